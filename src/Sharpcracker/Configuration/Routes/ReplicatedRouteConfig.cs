namespace Sharpcracker.Configuration.Routes;

/// <summary>
/// Replicas (pools): writes and deletes go to every replica and the client's reply follows
/// <see cref="WritePolicy"/>; a read goes to one replica (<see cref="ReadFrom"/>) and on an error to
/// the next, and on a miss too when <see cref="ReadFailoverOnMiss"/>.
/// </summary>
internal sealed record ReplicatedRouteConfig(IReadOnlyList<string> Replicas, ReplicaWritePolicy WritePolicy, ReplicaReadFrom ReadFrom, bool ReadFailoverOnMiss)
    : RouteConfig
{
    public override IEnumerable<string> PoolNames() => Replicas;
}
