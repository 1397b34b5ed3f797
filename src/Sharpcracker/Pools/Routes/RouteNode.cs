namespace Sharpcracker.Pools.Routes;

/// <summary>
/// One node of a listener's route tree, bound to the pools it names (docs/routes.md). Immutable
/// once built; a reload builds a new tree and the listener's sessions take it for their next request.
/// Prefix, operation and shadow nodes select a child; pool, failover, replicated and warm-up
/// nodes are terminals: the session sends the request the way the terminal says.
/// </summary>
internal abstract class RouteNode
{
    protected RouteNode(string kind, int workers)
    {
        Kind = kind;
        Counters = new RouteCounters(workers);
    }

    /// <summary>The type as the YAML names it: pool, prefix, operation, failover, replicated, shadow, warm_up.</summary>
    public string Kind { get; }

    /// <summary>Where the node sits in the tree, e.g. <c>route.prefix["user:"].failover</c>: the name in stats and /metrics.</summary>
    public string Path { get; set; } = "route";

    public RouteCounters Counters { get; }

    /// <summary>The pools this node names directly (terminals) and its child routes (selectors).</summary>
    public abstract IReadOnlyList<(string Label, RouteNode Child)> Children { get; }

    /// <summary>
    /// The terminal for <paramref name="key"/> and <paramref name="operation"/>; a shadow node on the
    /// way sets <paramref name="shadow"/> when the key is in its fraction (the outermost one wins).
    /// </summary>
    public abstract RouteNode Select(ReadOnlySpan<byte> key, RouteOperation operation, ref ShadowRoute? shadow);
}
