
namespace Sharpcracker.OperatorConsole;

/// <summary>A server's state as the console shows it, read from its <see cref="ServerHealth"/> (docs/operations.md).</summary>
internal enum ServerState
{
    /// <summary>No failure since its last reply (or never tried).</summary>
    Up,
    /// <summary>Its last connection failed; the next request reconnects at once.</summary>
    Failing,
    /// <summary>Consecutive failures: no connect until the back-off delay passes; requests fail at once.</summary>
    BackingOff,
    /// <summary>Out of the continuum (auto_eject_hosts) until a probe every server_retry_timeout succeeds.</summary>
    Ejected,
    /// <summary>Ejected, and its re-admission probe is running now.</summary>
    Probing,
}
