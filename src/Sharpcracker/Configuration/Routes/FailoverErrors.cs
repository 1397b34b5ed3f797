namespace Sharpcracker.Configuration.Routes;

/// <summary>What makes a failover route try its next child (<c>failover_errors</c>).</summary>
[Flags]
internal enum FailoverErrors
{
    None = 0,
    /// <summary>The connection to the server failed or was refused (connect error, reset, closed, back-off).</summary>
    Connect = 1,
    /// <summary>The reply did not come within the pool's timeout.</summary>
    Timeout = 2,
    /// <summary>The key's server is ejected or being probed back: the child is skipped without sending.</summary>
    Ejected = 4,
    /// <summary>The server answered SERVER_ERROR (text, meta) or an error status (binary).</summary>
    ServerError = 8,
    All = Connect | Timeout | Ejected | ServerError,
}
