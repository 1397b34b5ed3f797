namespace Sharpcracker.Pools.Routes;

/// <summary>By operation: gets, updates, deletes, and the default for anything else (the loader requires one where a class is unset).</summary>
internal sealed class OperationRoute : RouteNode
{
    private readonly RouteNode[] _byOperation; // indexed by RouteOperation

    public OperationRoute(RouteNode? gets, RouteNode? updates, RouteNode? deletes, RouteNode? fallback, int workers)
        : base("operation", workers)
    {
        var other = fallback ?? gets ?? updates ?? deletes!;
        _byOperation = [gets ?? other, updates ?? other, deletes ?? other, other];
        var children = new List<(string, RouteNode)>();
        foreach (var (label, node) in new[] { ("gets", gets), ("updates", updates), ("deletes", deletes), ("default", fallback) })
        {
            if (node is not null)
            {
                children.Add((label, node));
            }
        }
        Children = children;
    }

    public override IReadOnlyList<(string Label, RouteNode Child)> Children { get; }

    public override RouteNode Select(ReadOnlySpan<byte> key, RouteOperation operation, ref ShadowRoute? shadow)
        => _byOperation[(int)operation].Select(key, operation, ref shadow);
}
