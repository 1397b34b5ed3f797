using Sharpcracker.Engine;

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

internal static class ServerStates
{
    public static ServerState Of(ServerHealth health, long nowTicks)
    {
        if (health.IsEjected)
        {
            return health.IsProbing ? ServerState.Probing : ServerState.Ejected;
        }
        // RefuseConnect is a pure read; outside an ejection it refuses only during a back-off delay.
        if (health.RefuseConnect(nowTicks) is not null)
        {
            return ServerState.BackingOff;
        }
        return health.Failures > 0 ? ServerState.Failing : ServerState.Up;
    }

    public static string Name(ServerState state) => state switch
    {
        ServerState.Up => "up",
        ServerState.Failing => "failing",
        ServerState.BackingOff => "backing off",
        ServerState.Probing => "probing",
        _ => "ejected",
    };
}
