namespace Sharpcracker.Pools.Routes;

/// <summary>
/// The terminal of a key no prefix matches in a prefix route without a default: the client gets an
/// error. One per such prefix node (a child labelled "no match"), so its counters have the
/// tree's worker count and the unrouted keys of each listener are counted apart.
/// </summary>
internal sealed class NoRoute(int workers) : RouteNode("none", workers)
{
    public override IReadOnlyList<(string Label, RouteNode Child)> Children => [];

    public override RouteNode Select(ReadOnlySpan<byte> key, RouteOperation operation, ref ShadowRoute? shadow) => this;
}
