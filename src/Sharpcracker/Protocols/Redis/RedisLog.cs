using Microsoft.Extensions.Logging;

namespace Sharpcracker.Protocols.Redis;

/// <summary>The Redis protocol's log events (EventIds 3000-3999), source-generated.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Warning, Message = "pool {Pool}: client {Client} sent a command larger than request_size_limit {Limit}; closing it")]
    internal static partial void ClientRequestTooLarge(this ILogger logger, string pool, long client, int limit);
}
