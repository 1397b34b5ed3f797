using Sharpcracker.Engine;

namespace Sharpcracker.OperatorConsole;

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
