using Sharpcracker.Pools.Routes;

namespace Sharpcracker.Pools;

/// <summary>A listener that routes (docs/routes.md): its tree, swapped whole by a reload.</summary>
internal sealed partial class ServerPool
{
    private volatile RouteTree? _routes;

    /// <summary>Null for a pool with servers of its own; read once per request by the listener's sessions.</summary>
    public RouteTree? Routes => _routes;

    /// <summary>Start and reload (off the workers): the tree the listener's next requests take.</summary>
    public void SetRoutes(RouteTree? routes)
    {
        _routes = routes;
        if (routes is not null && Config.Redis)
        {
            // Redis: the route becomes the listener's topology (PoolTopology.Composite).
            lock (_topologyLock)
            {
                _topology = new PoolTopology(_topology.Config, new CompositeKeyRoute(routes));
            }
        }
    }
}
