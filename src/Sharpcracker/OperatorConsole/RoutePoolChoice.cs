using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// One pool a route's terminal may send the key to: the key's server there now, its state, and
/// what a request does with it (<see cref="Use"/>).
/// </summary>
/// <param name="Role">The pool's place in the terminal: normal, failover, replica, cold, warm, shadow, pool.</param>
/// <param name="Server">The key's server in the pool now (ejected servers out of the continuum); null when none.</param>
/// <param name="HomeServer">The key's server with every server in service, when that is another one; else null.</param>
internal sealed record RoutePoolChoice(string Role, ServerPool Pool, PoolServer? Server, ServerState? State, string? HomeServer, RouteUse Use)
{
    public string ServerText => Server is null
        ? "no server available"
        : Server.Name == Server.Config.EndpointText
            ? $"server {Server.Name} (index {Server.Index}), {ServerStates.Name(State!.Value)}"
            : $"server {Server.Name} {Server.Config.EndpointText} (index {Server.Index}), {ServerStates.Name(State!.Value)}";

    public string UseText => Use switch
    {
        RouteUse.Now => "<- now",
        RouteUse.Next => "next",
        RouteUse.Skipped => "skipped now (its server is ejected or being probed)",
        RouteUse.Held => "skipped now (held: the writes it missed are being deleted on it)",
        RouteUse.NoServer => "skipped now (no server)",
        RouteUse.Every => "written",
        RouteUse.Unused => "not for this operation",
        _ => "first when the client connection picks it",
    };
}
