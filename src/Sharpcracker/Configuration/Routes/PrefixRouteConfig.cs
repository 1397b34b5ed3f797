namespace Sharpcracker.Configuration.Routes;

/// <summary>By key prefix: the longest prefix that matches wins, else <see cref="Default"/>; the whole key is forwarded.</summary>
internal sealed record PrefixRouteConfig(IReadOnlyList<KeyValuePair<string, RouteConfig>> Prefixes, RouteConfig? Default) : RouteConfig
{
    public override IEnumerable<string> PoolNames()
        => Prefixes.SelectMany(p => p.Value.PoolNames()).Concat(Default?.PoolNames() ?? []);
}
