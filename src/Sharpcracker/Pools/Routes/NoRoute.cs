namespace Sharpcracker.Pools.Routes;

/// <summary>The terminal of a key no prefix matches in a prefix route without a default: the client gets an error.</summary>
internal sealed class NoRoute : RouteNode
{
    public static readonly NoRoute Instance = new();

    private NoRoute()
        : base("none", 1)
    {
        Path = "none";
    }

    public override IReadOnlyList<(string Label, RouteNode Child)> Children => [];

    public override RouteNode Select(ReadOnlySpan<byte> key, RouteOperation operation, ref ShadowRoute? shadow) => this;
}
