using Microsoft.Extensions.Logging.Abstractions;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Pools.Routes;
using Sharpcracker.Routing;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// "Where does this key go": the placement through the proxy's own routing objects — the live
/// pool's current <see cref="PoolTopology"/> for /route, a <see cref="PoolTopology"/> built from the
/// file with every server in service for <c>--route</c> — plus each step that led there.
/// </summary>
internal static class RouteLookup
{
    /// <summary>The key under the running pool's topology (ejections in effect).</summary>
    public static RouteAnswer Live(ServerPool pool, byte[] key) => Answer(pool.Topology, key, AllInService(pool.Config));

    /// <summary>The key under <paramref name="config"/> with every server in service (no proxy running).</summary>
    public static RouteAnswer Offline(PoolConfig config, byte[] key)
    {
        var topology = AllInService(config);
        return Answer(topology, key, topology);
    }

    /// <summary>A listener that routes: the key's decision through its live tree (ejections and server states now).</summary>
    public static RoutedAnswer LiveRoutes(ServerPool listener, RouteTree tree, byte[] key, RouteOperation? operation)
        => RouteExplainer.Explain(listener, tree, key, operation, offline: false);

    /// <summary>
    /// A listener that routes, from <paramref name="config"/> alone (no proxy running): its tree built
    /// over pools of the file's servers that route but serve nothing (no workers, no connections),
    /// every server in service; the same <see cref="RouteExplainer"/> as the live answer.
    /// </summary>
    public static RoutedAnswer OfflineRoutes(ProxyConfig config, PoolConfig listener, byte[] key, RouteOperation? operation)
    {
        var route = listener.Route ?? throw new ArgumentException($"pool '{listener.Name}' does not route", nameof(listener));
        var pools = new Dictionary<string, ServerPool>(StringComparer.Ordinal);
        try
        {
            ServerPool Find(string name)
            {
                if (!pools.TryGetValue(name, out var pool))
                {
                    pool = new ServerPool(config.Pools.Concat(config.RoutePools).First(p => p.Name == name), NullLogger.Instance);
                    pools[name] = pool;
                }
                return pool;
            }
            using var self = new ServerPool(listener, NullLogger.Instance);
            return RouteExplainer.Explain(self, RouteTree.Build(route, Find, workers: 1), key, operation, offline: true);
        }
        finally
        {
            foreach (var pool in pools.Values)
            {
                pool.Dispose();
            }
        }
    }

    /// <summary>
    /// The topology a pool starts with: the proxy's own constructor over placeholder servers
    /// (routing reads only the config and which servers are live, never the server objects).
    /// </summary>
    private static PoolTopology AllInService(PoolConfig config) => new(config, handshakes: default, new PoolServer[config.Servers.Count], static _ => true);

    private static RouteAnswer Answer(PoolTopology topology, byte[] key, PoolTopology allInService)
    {
        var config = topology.Config;
        if (config.Distribution == DistributionKind.RedisCluster)
        {
            // The slot is the key's own; its node is whatever the cluster says at the moment.
            return new RouteAnswer(config, key, null, RedisClusterSlotMap.Slot(key), -1, -1, []);
        }
        if (topology.Router is not { } router)
        {
            // vbucket: libvbucket's CRC picks the vBucket, the map names its master; ejections do not apply.
            var map = config.VBuckets!;
            var index = topology.RouteIndex(key);
            return new RouteAnswer(config, key, null, map.VBucketOf(key), index, index, []);
        }
        var explanation = router.Explain(key);
        // Random placement differs per request; everything else is the router's Route itself.
        var server = explanation.Step == RouteStep.Random ? explanation.ServerIndex : topology.RouteIndex(key);
        var live = router.LiveServers.ToArray();
        var excluded = Enumerable.Range(0, config.Servers.Count).Where(i => Array.IndexOf(live, i) < 0).ToArray();
        var home = explanation.Step == RouteStep.Random ? server : allInService.RouteIndex(key);
        return new RouteAnswer(config, key, explanation with { ServerIndex = server }, -1, server, home, excluded);
    }
}
