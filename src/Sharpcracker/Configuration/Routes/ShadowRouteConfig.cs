namespace Sharpcracker.Configuration.Routes;

/// <summary>
/// Requests go to <see cref="Primary"/>; those whose key hash falls in the first
/// <see cref="Fraction"/> of the hash range are also sent to <see cref="Shadow"/>, replies discarded.
/// </summary>
internal sealed record ShadowRouteConfig(RouteConfig Primary, string Shadow, double Fraction) : RouteConfig
{
    public override IEnumerable<string> PoolNames() => Primary.PoolNames().Append(Shadow);
}
