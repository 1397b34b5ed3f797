using Sharpcracker.Engine;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.Pools;

/// <summary>
/// A Redis listener's route as a key → server index (docs/routes.md, "Redis"): the servers of
/// every pool the tree names, pool after pool; a key's index is its pool's offset plus its index
/// in that pool's current topology. Built at start and at each reload (the pools' server lists
/// are fixed between reloads: Redis route pools are plain sharded pools).
/// </summary>
internal sealed class CompositeKeyRoute
{
    private readonly RouteNode _root;
    private readonly Dictionary<ServerPool, (int Offset, PoolServer[] Servers)> _pools = [];

    public CompositeKeyRoute(RouteTree tree)
    {
        _root = tree.Root;
        var servers = new List<PoolServer>();
        foreach (var pool in Served(tree.Root).Distinct())
        {
            var own = pool.Topology.Servers;
            _pools[pool] = (servers.Count, own);
            servers.AddRange(own);
        }
        Servers = [.. servers];
    }

    public PoolServer[] Servers { get; }

    /// <summary>The pools keys can land on: every pool terminal, not a shadow's pool (its copies are not the keyspace: SCAN, KEYS and DBSIZE leave it out).</summary>
    private static IEnumerable<ServerPool> Served(RouteNode node) => node switch
    {
        PoolRoute leaf => [leaf.Pool],
        ShadowRoute shadow => Served(shadow.Primary),
        _ => node.Children.SelectMany(c => Served(c.Child)),
    };

    /// <summary>The key's server index, -1 when its pool has none (or no prefix takes it).</summary>
    public int RouteIndex(ReadOnlySpan<byte> key)
    {
        ShadowRoute? shadow = null;
        if (_root.Select(key, RouteOperation.Other, ref shadow) is not PoolRoute leaf)
        {
            return -1;
        }
        var topology = leaf.Pool.Topology;
        var index = topology.RouteIndex(key);
        if (index < 0)
        {
            return -1;
        }
        var (offset, built) = _pools[leaf.Pool];
        // Between a reload of the pool and the rebinding of this route, the pool's list may differ: find the server itself.
        return ReferenceEquals(topology.Servers, built) ? offset + index : Array.IndexOf(Servers, topology.Servers[index]);
    }
}
