using Microsoft.Extensions.Logging;

namespace Sharpcracker.Protocols.Redis;

/// <summary>The Redis protocol's log events (EventIds 3000-3999), source-generated.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Warning, Message = "pool {Pool}: client {Client} sent a command larger than request_size_limit {Limit}; closing it")]
    internal static partial void ClientRequestTooLarge(this ILogger logger, string pool, long client, int limit);

    // Pub/sub (PubSubHub): 3100-3119.
    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "pool {Pool} server {Server}: subscription connection lost ({Reason}); its {Channels} channels are subscribed again when the server is back (messages published meanwhile are lost)")]
    internal static partial void PubSubLinkLost(this ILogger logger, string pool, string server, string reason, int channels);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "pool {Pool} server {Server}: subscription connection back after {DownMs} ms with {Channels} channels")]
    internal static partial void PubSubLinkRestored(this ILogger logger, string pool, string server, long downMs, int channels);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "pool {Pool} server {Server}: no dedicated connection left for subscriptions (dedicated_connections {Limit} in use); retrying")]
    internal static partial void PubSubNoConnection(this ILogger logger, string pool, string server, int limit);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "pool {Pool} server {Server}: subscription command refused: {Error}")]
    internal static partial void PubSubCommandRefused(this ILogger logger, string pool, string server, string error);
}
