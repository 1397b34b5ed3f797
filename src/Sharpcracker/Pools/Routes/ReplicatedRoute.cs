using Sharpcracker.Configuration.Routes;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Pools.Routes;

/// <summary>
/// A terminal over replicas (pools): updates and deletes go to every replica and the client's
/// reply follows <see cref="WritePolicy"/>; a get goes to one replica (by key hash or by client)
/// and on an error to the next, on a miss too when <see cref="ReadFailoverOnMiss"/>.
/// </summary>
internal sealed class ReplicatedRoute(ServerPool[] replicas, ReplicaWritePolicy policy, ReplicaReadFrom readFrom, bool onMiss, int workers)
    : RouteNode("replicated", workers), IChildPools
{
    public ServerPool[] Pools { get; } = replicas;
    public ReplicaWritePolicy WritePolicy { get; } = policy;
    public ReplicaReadFrom ReadFrom { get; } = readFrom;
    public bool ReadFailoverOnMiss { get; } = onMiss;

    public override IReadOnlyList<(string Label, RouteNode Child)> Children { get; }
        = [.. replicas.Select(p => ("replica", (RouteNode)new PoolRoute(p, workers) { Path = p.Name }))];

    /// <summary>The replica a read tries first.</summary>
    public int FirstReplica(ReadOnlySpan<byte> key, long clientId)
        => (int)((ReadFrom == ReplicaReadFrom.Key ? HashFunctions.Crc32a(key) : (ulong)clientId) % (ulong)Pools.Length);

    /// <summary>Successes a write needs for the client to see success.</summary>
    public int Needed => WritePolicy switch
    {
        ReplicaWritePolicy.All => Pools.Length,
        ReplicaWritePolicy.Majority => (Pools.Length / 2) + 1,
        _ => 1,
    };

    public override RouteNode Select(ReadOnlySpan<byte> key, RouteOperation operation, ref ShadowRoute? shadow) => this;
}
