using Sharpcracker.Pools.Routes;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// Where one operation class on a key goes through a listener's tree: the nodes taken
/// (<see cref="Steps"/>, root first: the label that led to each node and the node), the terminal,
/// the pools it may use in the order it tries them, and the shadow copies on the way.
/// </summary>
/// <param name="Operation">The operation class; null when the tree has no operation node (every operation takes this path).</param>
/// <param name="ReadStart">Replicated reads by key: the replica a get starts at (index into the replicas); else null.</param>
internal sealed record RouteDecision(
    RouteOperation? Operation,
    IReadOnlyList<(string Label, RouteNode Node)> Steps,
    RouteNode Terminal,
    IReadOnlyList<RoutePoolChoice> Choices,
    IReadOnlyList<RouteShadowCopy> Shadows,
    int? ReadStart)
{
    /// <summary>The operation as /route's <c>op=</c> takes it.</summary>
    public static string OperationName(RouteOperation operation) => operation switch
    {
        RouteOperation.Get => "get",
        RouteOperation.Update => "update",
        RouteOperation.Delete => "delete",
        _ => "other",
    };

    /// <summary>The nodes taken, e.g. <c>route:prefix -> "user:" -> failover</c>.</summary>
    public string PathText => string.Join(" -> ", Steps.Select((s, i) => i == 0
        ? "route:" + Describe(s.Node)
        : $"{s.Label} -> {Describe(s.Node)}"));

    private static string Describe(RouteNode node) => node is PoolRoute p ? "pool " + p.Pool.Name : node.Kind;

    /// <summary>The choice a request goes to now; null when none (no server, or a replicated write / read by client).</summary>
    public RoutePoolChoice? Now => Choices.FirstOrDefault(c => c.Use == RouteUse.Now);
}
