namespace Sharpcracker.Configuration;

/// <summary>How a pool's servers relate (docs/redis.md "Replication groups").</summary>
internal enum ReplicationMode
{
    /// <summary>Every server is an independent shard (twemproxy).</summary>
    None,
    /// <summary>One group: the server named exactly <c>master</c> plus the others as its replicas (the twemproxy fork's rule).</summary>
    StaticMaster,
    /// <summary>Each server is a Sentinel master name; its master and replicas come from Sentinel.</summary>
    Sentinel,
}
