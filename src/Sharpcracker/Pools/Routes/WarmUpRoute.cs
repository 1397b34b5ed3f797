namespace Sharpcracker.Pools.Routes;

/// <summary>
/// A terminal: gets try cold, then on a miss warm; a warm hit is returned and added to cold
/// (<c>add</c>, so a value a client set in cold meanwhile wins) with <see cref="FillTtl"/>.
/// Everything else goes to cold.
/// </summary>
internal sealed class WarmUpRoute(ServerPool cold, ServerPool warm, int fillTtl, int workers) : RouteNode("warm_up", workers), IChildPools
{
    public ServerPool[] Pools { get; } = [cold, warm];
    public ServerPool Cold => Pools[0];
    public ServerPool Warm => Pools[1];
    public int FillTtl { get; } = fillTtl;

    public override IReadOnlyList<(string Label, RouteNode Child)> Children { get; }
        = [("cold", new PoolRoute(cold, workers) { Path = cold.Name }), ("warm", new PoolRoute(warm, workers) { Path = warm.Name })];

    public override RouteNode Select(ReadOnlySpan<byte> key, RouteOperation operation, ref ShadowRoute? shadow) => this;
}
