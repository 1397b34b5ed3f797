using Sharpcracker.Configuration.Routes;

namespace Sharpcracker.Pools.Routes;

/// <summary>
/// A terminal: the children (pools) in order. The session sends to the first child whose key
/// server is available (an ejected or probing one is skipped when <see cref="Errors"/> has
/// Ejected) and on an error in <see cref="Errors"/> sends the same bytes to the next; a miss is an
/// answer. An update that lands on a later child has its TTL capped at <see cref="FailoverTtl"/>.
/// </summary>
internal sealed class FailoverRoute(ServerPool[] children, FailoverErrors errors, int failoverTtl, int workers) : RouteNode("failover", workers), IChildPools
{
    public ServerPool[] Pools { get; } = children;
    public FailoverErrors Errors { get; } = errors;
    public int FailoverTtl { get; } = failoverTtl;

    public override IReadOnlyList<(string Label, RouteNode Child)> Children { get; }
        = [.. children.Select((p, i) => (i == 0 ? "normal" : "failover", (RouteNode)new PoolRoute(p, workers) { Path = p.Name }))];

    public override RouteNode Select(ReadOnlySpan<byte> key, RouteOperation operation, ref ShadowRoute? shadow) => this;
}
