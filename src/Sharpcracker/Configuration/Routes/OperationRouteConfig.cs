namespace Sharpcracker.Configuration.Routes;

/// <summary>By operation: retrievals, updates (storage, arithmetic, touch), deletes; anything unset takes <see cref="Default"/>.</summary>
internal sealed record OperationRouteConfig(RouteConfig? Gets, RouteConfig? Updates, RouteConfig? Deletes, RouteConfig? Default) : RouteConfig
{
    public override IEnumerable<string> PoolNames()
        => new[] { Gets, Updates, Deletes, Default }.Where(r => r is not null).SelectMany(r => r!.PoolNames());
}
