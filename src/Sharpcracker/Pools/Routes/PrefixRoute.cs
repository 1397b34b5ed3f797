using System.Text;

namespace Sharpcracker.Pools.Routes;

/// <summary>
/// By key prefix: the longest prefix that matches wins, else the default; no match and no
/// default answers <c>SERVER_ERROR no route for key</c>. Prefixes are kept longest first, so the
/// first match is the longest (a handful of prefixes: a scan beats a trie's pointer chasing).
/// </summary>
internal sealed class PrefixRoute : RouteNode
{
    private readonly byte[][] _prefixes;
    private readonly RouteNode[] _routes;
    private readonly NoRoute? _none; // the terminal of a key no prefix matches, without a default

    public PrefixRoute(IEnumerable<(string Prefix, RouteNode Route)> prefixes, RouteNode? fallback, int workers)
        : base("prefix", workers)
    {
        var ordered = prefixes.OrderByDescending(p => p.Prefix.Length).ThenBy(p => p.Prefix, StringComparer.Ordinal).ToArray();
        _prefixes = [.. ordered.Select(p => Encoding.ASCII.GetBytes(p.Prefix))];
        _routes = [.. ordered.Select(p => p.Route)];
        Default = fallback;
        _none = fallback is null ? new NoRoute(workers) : null;
        Children = [.. ordered.Select(p => ($"\"{p.Prefix}\"", p.Route)), fallback is null ? ("no match", (RouteNode)_none!) : ("default", fallback)];
    }

    public RouteNode? Default { get; }

    public override IReadOnlyList<(string Label, RouteNode Child)> Children { get; }

    public override RouteNode Select(ReadOnlySpan<byte> key, RouteOperation operation, ref ShadowRoute? shadow)
    {
        var prefixes = _prefixes;
        for (var i = 0; i < prefixes.Length; i++)
        {
            if (key.StartsWith(prefixes[i]))
            {
                return _routes[i].Select(key, operation, ref shadow);
            }
        }
        return Default is { } fallback ? fallback.Select(key, operation, ref shadow) : _none!;
    }
}
