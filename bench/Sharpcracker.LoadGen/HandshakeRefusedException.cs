namespace Sharpcracker.LoadGen;

/// <summary>The target did not accept a connection's handshake (redis3: HELLO 3 answered with an error, a non-map, or a close).</summary>
public sealed class HandshakeRefusedException(string message) : Exception(message);
