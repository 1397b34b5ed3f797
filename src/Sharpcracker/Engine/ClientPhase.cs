namespace Sharpcracker.Engine;

/// <summary>
/// The life of a client session. It only moves forward, and may skip phases:
/// <c>Handshaking → Reading → ReadStopped → Closing → Aborted → Closed</c> (a plain-TCP session
/// starts in Reading; Closing follows only a quit; any phase may be aborted or closed).
/// Only <see cref="Handshaking"/> and <see cref="Reading"/> read from the socket, and Reading
/// only while no <see cref="ClientPause"/> holds. Whether the socket took all the output is
/// orthogonal to the phase: any phase before Aborted may wait for EPOLLOUT.
/// </summary>
internal enum ClientPhase
{
    /// <summary>TLS pools: ciphertext is read until the handshake completes (bounded by tls_handshake_timeout); no request yet.</summary>
    Handshaking,

    /// <summary>Requests are read, parsed and dispatched; replies are written in request order.</summary>
    Reading,

    /// <summary>
    /// No more reads (the client closed its side, a quit or a fatal protocol error was parsed, or
    /// the session drains for shutdown or pool removal): every reply owed is still written, then
    /// the session closes once nothing is queued or waiting for the socket.
    /// </summary>
    ReadStopped,

    /// <summary>The reply to a quit is in the output: the session closes as soon as the socket has taken it.</summary>
    Closing,

    /// <summary>
    /// Closes at the end of this loop pass: nothing more is read or written, and replies still
    /// arriving for its requests are dropped (a socket error, client_output_limit, the TLS
    /// deadline, an operator's abort).
    /// </summary>
    Aborted,

    /// <summary>The socket is closed and unregistered; the pool has counted the close.</summary>
    Closed,
}
