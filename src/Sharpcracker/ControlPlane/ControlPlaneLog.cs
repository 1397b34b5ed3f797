using Microsoft.Extensions.Logging;
using Sharpcracker.Engine;

namespace Sharpcracker.ControlPlane;

/// <summary>
/// The control plane's log events (EventIds 4000-4499: health probes, replication, Redis Cluster,
/// Sentinel), source-generated; all off the workers. The rendered text is what operators and tests
/// grep for: change a message only together with them.
/// </summary>
internal static partial class ControlPlaneLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Warning, Message = EngineLog.PoolServer + "probe answered; back in service")]
    internal static partial void ServerBackInService(this ILogger logger, string pool, string server);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = EngineLog.PoolServer + "probe failed ({Reason}); ejected for another {Retry} ms")]
    internal static partial void ServerProbeFailed(this ILogger logger, string pool, string server, string reason, int retry);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "pool {Pool}: replication check failed")]
    internal static partial void ReplicationCheckFailed(this ILogger logger, Exception exception, string pool);

    /// <param name="detail">"" or " (detail)".</param>
    /// <param name="usable">"in service for reads" or "skipped by reads".</param>
    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = EngineLog.PoolServer + "role {Role}{Detail}, {Usable}")]
    internal static partial void ServerRole(this ILogger logger, string pool, string server, string role, string detail, string usable);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "pool {Pool}: cluster map refresh failed")]
    internal static partial void ClusterMapRefreshFailed(this ILogger logger, Exception exception, string pool);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "pool {Pool}: cluster slot map from {Node}: {Ranges} ranges over {Masters} masters, {Slots} slots served")]
    internal static partial void ClusterSlotMapLoaded(this ILogger logger, string pool, string node, int ranges, int masters, int slots);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "pool {Pool}: no cluster node answered CLUSTER SLOTS (last: {Error}); retrying every {Period} ms")]
    internal static partial void ClusterSlotsUnanswered(this ILogger logger, string pool, string error, int period);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "pool {Pool}: sentinel discovery failed: {Error}")]
    internal static partial void SentinelDiscoveryFailed(this ILogger logger, string pool, string error);

    /// <remarks>
    /// Seven values take the generator's own formatter rather than LoggerMessage.Define's, which would
    /// render a null as "" instead of "(null)": hence the non-nullable parameters. <paramref name="New"/>
    /// is capitalised because a keyword parameter (<c>@new</c>) would name the structured value "@new".
    /// </remarks>
    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "pool {Pool} group {Group}: master switched {Old} -> {New} (Sentinel {Sentinel}, epoch {Epoch}, confirmed by ROLE); failover {Count}")]
    internal static partial void SentinelMasterSwitched(this ILogger logger, string pool, string group, string old, string New, string sentinel, long epoch, long count);

    /// <param name="replicas">"none" or the replicas joined by ", ".</param>
    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "pool {Pool} group {Group}: master {Master}, replicas {Replicas} (Sentinel)")]
    internal static partial void SentinelMasterFound(this ILogger logger, string pool, string group, string master, string replicas);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "pool {Pool}: sentinel {Sentinel}: {Channel} {Event}")]
    internal static partial void SentinelEvent(this ILogger logger, string pool, string sentinel, string channel, object? @event);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "pool {Pool} group {Group}: Sentinel is promoting a replica; writes refused until the new master is confirmed (at most {Pause} ms)")]
    internal static partial void SentinelPromoting(this ILogger logger, string pool, string group, long pause);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "{Message}")]
    internal static partial void SentinelProblem(this ILogger logger, string message);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = EngineLog.PoolServer + "health check failed ({Reason}); last reply {LastReply}")]
    internal static partial void HealthCheckFailed(this ILogger logger, string pool, string server, string reason, string lastReply);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = EngineLog.PoolServer + "health check answered; up again")]
    internal static partial void HealthCheckRecovered(this ILogger logger, string pool, string server);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Error, Message = "pool {Pool}: health check round failed")]
    internal static partial void HealthCheckRoundFailed(this ILogger logger, Exception exception, string pool);
}
