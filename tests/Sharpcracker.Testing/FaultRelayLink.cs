using System.Net.Sockets;

namespace Sharpcracker.Testing;

/// <summary>One connection a <see cref="FaultRelay"/> carries: the proxy's side, the server's side, and whether the proxy's side was half-closed.</summary>
internal sealed class FaultRelayLink(Socket down, Socket up)
{
    public Socket Down { get; } = down;
    public Socket Up { get; } = up;

    /// <summary>The proxy's side got a FIN (<see cref="FaultKind.HalfClose"/>): nothing more may be sent to it.</summary>
    public volatile bool HalfClosed;
}
