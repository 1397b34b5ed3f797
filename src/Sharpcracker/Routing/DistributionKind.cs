namespace Sharpcracker.Routing;

/// <summary>twemproxy's key distributions (config key <c>distribution:</c>).</summary>
internal enum DistributionKind
{
    Ketama,
    Modula,
    Random,
    /// <summary>membase/Couchbase vBucket map (moxi); routes with <see cref="VBucketMap"/>, not <see cref="KeyRouter"/>.</summary>
    VBucket,
    /// <summary>Redis Cluster: the servers are seed nodes; keys route by CRC16 slot over the cluster's own slot map (<see cref="RedisClusterSlotMap"/>).</summary>
    RedisCluster,
}
