namespace Sharpcracker.Configuration.Routes;

/// <summary>
/// A cold pool filled from a warm one: a get tries cold; on a miss, warm, and a warm hit is
/// added to cold (<c>add</c>, never <c>set</c>) with <see cref="FillTtl"/>. Writes and deletes go to cold.
/// </summary>
internal sealed record WarmUpRouteConfig(string Cold, string Warm, int FillTtl) : RouteConfig
{
    /// <summary>Five minutes: a fill that never expires could outlive a later change made only to warm.</summary>
    public const int DefaultFillTtl = 300;

    public override IEnumerable<string> PoolNames() => [Cold, Warm];
}
