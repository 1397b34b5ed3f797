namespace Sharpcracker.Configuration;

/// <summary>
/// Where a replication group's reads go (Envoy redis_proxy's names). Writes, scripts, MULTI and
/// unknown commands always go to the master.
/// </summary>
internal enum ReadPolicy
{
    /// <summary>Reads to the master only (Envoy's default).</summary>
    Master,
    /// <summary>Master; a healthy replica when the master is down.</summary>
    PreferMaster,
    /// <summary>Healthy replicas only; no fallback to the master (the fork's rule).</summary>
    Replica,
    /// <summary>Healthy replicas; the master when no replica is healthy.</summary>
    PreferReplica,
    /// <summary>Master and healthy replicas alike.</summary>
    Any,
}

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

/// <summary>
/// The <c>global:</c> section of the multi-process twemproxy fork's layout. Null fields were not
/// given. The fork runs one process per worker; Sharpcracker maps that onto worker threads.
/// </summary>
internal sealed record GlobalConfig
{
    /// <summary>Worker event loops: <c>auto</c> = processors, 0 = one (the fork's single-process mode).</summary>
    public int? WorkerThreads { get; init; }
    public int? MaxOpenFiles { get; init; }
    public string? User { get; init; }
    public string? Group { get; init; }
    /// <summary>Seconds old clients get to finish at shutdown.</summary>
    public int? WorkerShutdownTimeoutSeconds { get; init; }
}

/// <summary>Replication-related pool settings, grouped so PoolConfig gains one property per concern.</summary>
internal static class ReplicationNames
{
    /// <summary>The fork's marker: a server with exactly this name is the pool's master.</summary>
    public const string MasterServerName = "master";

    public static bool TryParse(string text, out ReadPolicy policy)
    {
        switch (text)
        {
            case "master": policy = ReadPolicy.Master; return true;
            case "prefer_master": policy = ReadPolicy.PreferMaster; return true;
            case "replica": policy = ReadPolicy.Replica; return true;
            case "prefer_replica": policy = ReadPolicy.PreferReplica; return true;
            case "any": policy = ReadPolicy.Any; return true;
            default: policy = default; return false;
        }
    }

    public static string Name(ReadPolicy policy) => policy switch
    {
        ReadPolicy.Master => "master",
        ReadPolicy.PreferMaster => "prefer_master",
        ReadPolicy.Replica => "replica",
        ReadPolicy.PreferReplica => "prefer_replica",
        _ => "any",
    };
}
