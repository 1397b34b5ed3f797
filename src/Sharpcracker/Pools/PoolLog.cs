using Microsoft.Extensions.Logging;

namespace Sharpcracker.Pools;

/// <summary>
/// The pools' log events (EventIds 2000-2999), source-generated; all on cold paths (a client
/// refused at the limit, topology changes). The rendered text is what operators and tests grep for.
/// </summary>
internal static partial class PoolLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Warning, Message = "pool {Pool}: client_connections limit {Limit} reached; closing new client")]
    internal static partial void ClientConnectionsLimitReached(this ILogger logger, string pool, int limit);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "pool {Pool}: cluster node {Node} discovered")]
    internal static partial void ClusterNodeDiscovered(this ILogger logger, string pool, string node);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "pool {Pool}: cluster node {Node} left the slot map {Grace} s ago; removed")]
    internal static partial void ClusterNodeRemoved(this ILogger logger, string pool, string node, long grace);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "pool {Pool}: sentinel pool reconfigured")]
    internal static partial void SentinelPoolReconfigured(this ILogger logger, string pool);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "pool {Pool}: closing removed server {Server}")]
    internal static partial void RemovedServerClosing(this ILogger logger, string pool, string server);
}
