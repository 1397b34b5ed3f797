namespace Sharpcracker.Engine;

/// <summary>How a client session's close is counted in the pool's stats (twemproxy's client_eof and client_err).</summary>
internal enum ClientEnding
{
    /// <summary>client_eof: the client closed (or reset while the proxy was writing to it) or quit, or the proxy closed it (drain, shutdown).</summary>
    Eof,

    /// <summary>client_err: a socket or TLS error, client_output_limit, the TLS handshake deadline, or an internal error.</summary>
    Error,
}
