namespace Sharpcracker.Common;

/// <summary>
/// Why a server connection failed (or refused a request). Stats, health and logs switch on the
/// kind; the text clients see (<c>SERVER_ERROR &lt;text&gt;</c>, <c>-ERR &lt;text&gt;</c>) comes
/// from <see cref="ServerFailure.Text"/>, the one text table.
/// </summary>
internal enum ServerFailureKind : byte
{
    /// <summary>The server closed the connection (a receive of 0 bytes). twemproxy: "unknown"; counts server_eof.</summary>
    ServerClosed,
    /// <summary>The oldest request outlived the pool's timeout, a TLS handshake its deadline, or a socket call ETIMEDOUT. Counts server_timedout.</summary>
    TimedOut,
    /// <summary>A socket call failed (connect refused, reset, unreachable ...); the text is the errno's strerror. Counts server_err.</summary>
    Socket,
    /// <summary>The server's host name did not resolve. Counts server_err.</summary>
    Resolve,
    /// <summary>The TLS handshake or a TLS record failed; the text is the TLS layer's. Counts server_err.</summary>
    Tls,
    /// <summary>The server refused a handshake command (Redis AUTH, SELECT, READONLY). Counts server_err.</summary>
    HandshakeRefused,
    /// <summary>A reply out of step with the requests in flight. twemproxy: "Invalid argument"; counts server_err.</summary>
    Desync,
    /// <summary>A bug in the proxy while handling the connection's events. "Invalid argument"; counts server_err.</summary>
    InternalError,
    /// <summary>The proxy closed the connection itself (shutdown, removed server). Counts nothing.</summary>
    ClosedByProxy,
    /// <summary>The proxy dropped the connection because a replication group's master switched. Counts server_err, not a health failure.</summary>
    Reset,
}
