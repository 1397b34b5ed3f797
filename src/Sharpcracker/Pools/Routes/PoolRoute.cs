namespace Sharpcracker.Pools.Routes;

/// <summary>A terminal: the key's server in one pool, by that pool's hash and distribution.</summary>
internal sealed class PoolRoute(ServerPool pool, int workers) : RouteNode("pool", workers)
{
    public ServerPool Pool { get; } = pool;

    public override IReadOnlyList<(string Label, RouteNode Child)> Children => [];

    public override RouteNode Select(ReadOnlySpan<byte> key, RouteOperation operation, ref ShadowRoute? shadow) => this;
}
