namespace Sharpcracker.Configuration.Routes;

/// <summary>A leaf: the key goes to its server in <see cref="Pool"/> (that pool's hash and distribution).</summary>
internal sealed record PoolRouteConfig(string Pool) : RouteConfig
{
    public override IEnumerable<string> PoolNames() => [Pool];
}
