namespace Sharpcracker.Testing;

/// <summary>What a <see cref="FaultRelay"/> does to the traffic between the proxy and its server.</summary>
public enum FaultKind
{
    /// <summary>Bytes pass through untouched.</summary>
    None,

    /// <summary>Every chunk, either way, is held for <see cref="FaultRelay"/>'s latency before it is passed on.</summary>
    Latency,

    /// <summary>Each direction is paced to the relay's bytes per second (slices every 10 ms).</summary>
    Bandwidth,

    /// <summary>Nothing is passed on either way and nothing is closed; held bytes flow again when the fault lifts.</summary>
    Stall,

    /// <summary>The next reply chunk is cut in half: its first half reaches the proxy, then the proxy's side is reset (RST). One-shot.</summary>
    ResetMidReply,

    /// <summary>The next reply chunk is cut in half: its first half reaches the proxy, then the proxy's side gets a FIN (shutdown of sending) while the relay keeps reading. One-shot.</summary>
    HalfClose,

    /// <summary>Every byte is sent as its own segment (Nagle off), both ways.</summary>
    OneByteSegments,

    /// <summary>A server that accepts but never answers: what the proxy sends is read and dropped, nothing comes back, new connections are accepted and never connected upstream.</summary>
    BlackHole,
}
