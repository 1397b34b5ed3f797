namespace Sharpcracker.Engine;

/// <summary>
/// How far a server connection that failed had got, which decides what the failure costs
/// (<see cref="ServerHealth"/>, docs/operations.md "Failures and limits"). Decided by
/// <see cref="ServerConnection"/> from its state and the failure's kind, never from a text.
/// </summary>
internal enum ServerConnectionLoss : byte
{
    /// <summary>
    /// The server closed (or reset) a connection with nothing in flight: a restart, SHUTDOWN, its
    /// idle timeout. Fails no request, is no server failure and starts no back-off; the next
    /// request reconnects at once. Still counted in the server's stats (server_eof).
    /// </summary>
    IdleClosed,

    /// <summary>
    /// The connection never answered: the resolve, connect, TLS handshake or handshake commands
    /// failed, or the server closed, reset or timed out before the first reply. Counts a server
    /// failure and backs off; requests refused during the back-off get this failure.
    /// </summary>
    ConnectFailed,

    /// <summary>
    /// A connection that had answered failed with requests in flight (closed, reset, timed out,
    /// desync). Counts a server failure (ejection) but starts no back-off: the server answered,
    /// so the next request reconnects at once, as twemproxy does.
    /// </summary>
    Lost,
}
