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
