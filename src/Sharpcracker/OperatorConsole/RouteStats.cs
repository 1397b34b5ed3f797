using Sharpcracker.Pools.Routes;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// Which route nodes count what (the stats port, /metrics, the status page). A request is counted
/// once, at the terminal that sent it (pool, failover, replicated, warm_up, or none for a key no
/// prefix takes); a shadow node counts its copies. Prefix and operation nodes only choose and count
/// nothing of their own (their traffic is the sum of their children's), and the pools listed under
/// a failover, replicated, warm-up or shadow node are counted by that node.
/// </summary>
internal static class RouteStats
{
    private static readonly RouteCounter[] s_pool = [RouteCounter.Requests, RouteCounter.Hits, RouteCounter.Misses, RouteCounter.Errors];
    private static readonly RouteCounter[] s_failing = [RouteCounter.Requests, RouteCounter.Hits, RouteCounter.Misses, RouteCounter.Failovers, RouteCounter.Errors];
    private static readonly RouteCounter[] s_warmUp = [RouteCounter.Requests, RouteCounter.Hits, RouteCounter.Misses, RouteCounter.Failovers, RouteCounter.Errors, RouteCounter.Fills];
    private static readonly RouteCounter[] s_shadow = [RouteCounter.ShadowSent, RouteCounter.ShadowDropped];
    private static readonly RouteCounter[] s_none = [RouteCounter.Requests, RouteCounter.Errors];

    /// <summary>Every counter, in the enum's order.</summary>
    public static readonly RouteCounter[] All = Enum.GetValues<RouteCounter>();

    /// <summary>The name in JSON and in /metrics (<c>sharpcracker_route_{name}_total</c>).</summary>
    public static string Name(RouteCounter counter) => counter switch
    {
        RouteCounter.Requests => "requests",
        RouteCounter.Hits => "hits",
        RouteCounter.Misses => "misses",
        RouteCounter.Failovers => "failovers",
        RouteCounter.Errors => "errors",
        RouteCounter.ShadowSent => "shadow_sent",
        RouteCounter.ShadowDropped => "shadow_dropped",
        _ => "fills",
    };

    /// <summary>What <paramref name="node"/> counts; empty for a node that only chooses.</summary>
    public static IReadOnlyList<RouteCounter> Counted(RouteNode node) => node switch
    {
        PoolRoute => s_pool,
        FailoverRoute or ReplicatedRoute => s_failing,
        WarmUpRoute => s_warmUp,
        ShadowRoute => s_shadow,
        NoRoute => s_none,
        _ => [],
    };

    /// <summary>The nodes of <paramref name="tree"/> that count, in the tree's order (root first, depth first).</summary>
    public static IEnumerable<RouteNode> CountingNodes(RouteTree tree) => CountingNodes(tree.Root);

    /// <summary>A counter summed over the counting nodes at and below <paramref name="node"/>: a prefix or operation node's traffic.</summary>
    public static long Total(RouteNode node, RouteCounter counter)
        => CountingNodes(node).Where(n => Counted(n).Contains(counter)).Sum(n => n.Counters.Total(counter));

    /// <summary>The nodes at and below <paramref name="root"/> that count, root first, depth first.</summary>
    public static IEnumerable<RouteNode> CountingNodes(RouteNode root)
    {
        var listed = new HashSet<RouteNode>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<RouteNode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            for (var i = node.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(node.Children[i].Child);
            }
            // The pools a terminal lists, and a shadow's pool, are shown, not counted: the node counts for them.
            foreach (var (label, child) in node.Children)
            {
                if (child is PoolRoute && (node is IChildPools || (node is ShadowRoute && label == "shadow")))
                {
                    listed.Add(child);
                }
            }
            if (!listed.Contains(node) && Counted(node).Count > 0)
            {
                yield return node;
            }
        }
    }
}
