namespace Sharpcracker.Configuration.Routes;

/// <summary>
/// Children (pools) in order: a request goes to the first; on one of <see cref="Errors"/> it is sent
/// again to the next. A miss is not an error. A write that lands on a child after the first has its
/// TTL capped at <see cref="FailoverTtl"/> seconds (0 = never expires becomes the cap; 0 here: no cap).
/// </summary>
internal sealed record FailoverRouteConfig(IReadOnlyList<string> Children, FailoverErrors Errors, int FailoverTtl) : RouteConfig
{
    /// <summary>mcrouter's failover_exptime default.</summary>
    public const int DefaultFailoverTtl = 60;

    public override IEnumerable<string> PoolNames() => Children;
}
