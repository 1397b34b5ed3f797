using Sharpcracker.Configuration.Routes;

using Sharpcracker.Engine;

namespace Sharpcracker.Pools.Routes;

/// <summary>
/// A listener's routes, bound to the pools they name. Built off the workers (start, reload) and
/// published by reference: a session reads it once per request, so a reload swaps trees between
/// requests and a request finishes on the tree it started with.
/// </summary>
internal sealed class RouteTree
{
    private RouteTree(RouteNode root, RouteConfig config)
    {
        Root = root;
        Config = config;
    }

    public RouteNode Root { get; }
    public RouteConfig Config { get; }

    /// <summary>Every node, root first, depth first (stats, /metrics and the status page list them in this order).</summary>
    public IEnumerable<RouteNode> Nodes()
    {
        var stack = new Stack<RouteNode>();
        stack.Push(Root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            for (var i = node.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(node.Children[i].Child);
            }
        }
    }

    /// <summary>The pools the tree names, each once.</summary>
    public IEnumerable<ServerPool> Pools() => Nodes().SelectMany(n => n switch
    {
        PoolRoute p => [p.Pool],
        IChildPools c => c.Pools,
        ShadowRoute s => [s.Shadow],
        _ => Array.Empty<ServerPool>(),
    }).Distinct();

    /// <summary>Every server of every pool the tree names, now (flush_all and the other commands for every server; allocates: not for the request path).</summary>
    public PoolServer[] AllServers() => [.. Pools().SelectMany(p => p.Topology.Servers).Where(s => s is not null).Distinct()];

    /// <summary>Builds the tree of <paramref name="config"/>; <paramref name="pool"/> finds a pool by name (the loader checked every name).</summary>
    public static RouteTree Build(RouteConfig config, Func<string, ServerPool> pool, int workers)
    {
        var root = Build(config, pool, workers, "route");
        return new RouteTree(root, config);
    }

    private static RouteNode Build(RouteConfig config, Func<string, ServerPool> pool, int workers, string path)
    {
        RouteNode node = config switch
        {
            PoolRouteConfig p => new PoolRoute(pool(p.Pool), workers),
            PrefixRouteConfig p => new PrefixRoute(
                p.Prefixes.Select(e => (e.Key, Build(e.Value, pool, workers, $"{path}.prefix[\"{e.Key}\"]"))).ToList(),
                p.Default is null ? null : Build(p.Default, pool, workers, path + ".default"), workers),
            OperationRouteConfig o => new OperationRoute(
                o.Gets is null ? null : Build(o.Gets, pool, workers, path + ".gets"),
                o.Updates is null ? null : Build(o.Updates, pool, workers, path + ".updates"),
                o.Deletes is null ? null : Build(o.Deletes, pool, workers, path + ".deletes"),
                o.Default is null ? null : Build(o.Default, pool, workers, path + ".default"), workers),
            FailoverRouteConfig f => new FailoverRoute([.. f.Children.Select(pool)], f.Errors, f.FailoverTtl, workers),
            ReplicatedRouteConfig r => new ReplicatedRoute([.. r.Replicas.Select(pool)], r.WritePolicy, r.ReadFrom, r.ReadFailoverOnMiss, workers),
            ShadowRouteConfig s => new ShadowRoute(Build(s.Primary, pool, workers, path + ".primary"), pool(s.Shadow), s.Fraction, workers),
            WarmUpRouteConfig w => new WarmUpRoute(pool(w.Cold), pool(w.Warm), w.FillTtl, workers),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config, "route type"),
        };
        node.Path = config is PoolRouteConfig pc ? $"{path}:{pc.Pool}" : $"{path}:{node.Kind}";
        if (node is PrefixRoute { Default: null } prefix)
        {
            prefix.Children[^1].Child.Path = path + ".default:none";
        }
        if (node is IChildPools or ShadowRoute)
        {
            for (var i = 0; i < node.Children.Count; i++)
            {
                var (label, child) = node.Children[i];
                // A shadow's primary is a route of its own (built above with its path), not a listed pool.
                if (child is PoolRoute leaf && !(node is ShadowRoute && label == "primary"))
                {
                    leaf.Path = $"{node.Path}.{label}[{i}]:{leaf.Pool.Name}";
                }
            }
        }
        return node;
    }
}
