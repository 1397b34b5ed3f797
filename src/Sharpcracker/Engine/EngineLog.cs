using System.Security.Authentication;
using Microsoft.Extensions.Logging;

namespace Sharpcracker.Engine;

/// <summary>
/// The engine's log events (EventIds 1000-1999), source-generated so that a disabled level costs a
/// check and nothing else. All on failure or cold paths; none per request. The rendered text is what
/// operators and tests grep for: change a message only together with them.
/// </summary>
internal static partial class EngineLog
{
    /// <summary>The prefix of every event about one server of a pool (ControlPlane's too).</summary>
    internal const string PoolServer = "pool {Pool} server {Server}: ";

    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = PoolServer + "connect failed: {Reason}")]
    internal static partial void ServerConnectFailed(this ILogger logger, string pool, string server, string reason);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = PoolServer + "connected")]
    internal static partial void ServerConnected(this ILogger logger, string pool, string server);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = PoolServer + "internal error; closing the connection")]
    internal static partial void ServerInternalError(this ILogger logger, Exception exception, string pool, string server);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = PoolServer + "{Reason}")]
    internal static partial void ServerRefused(this ILogger logger, string pool, string server, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = PoolServer + "{Problem}; closing")]
    internal static partial void ServerDesync(this ILogger logger, string pool, string server, string problem);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = PoolServer + "request timed out after {Timeout} ms")]
    internal static partial void ServerRequestTimedOut(this ILogger logger, string pool, string server, int timeout);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = PoolServer + "ejected after {Limit} failures ({Reason}); probing again in {Retry} ms")]
    internal static partial void ServerEjected(this ILogger logger, string pool, string server, int limit, string reason, int retry);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = PoolServer + "TLS handshake did not complete within {Timeout} ms")]
    internal static partial void ServerTlsHandshakeTimedOut(this ILogger logger, string pool, string server, int timeout);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug, Message = PoolServer + "TLS {Protocol} established")]
    internal static partial void ServerTlsEstablished(this ILogger logger, string pool, string server, SslProtocols protocol);

    /// <param name="suppressed">"" or " (N more TLS failures not logged)".</param>
    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = PoolServer + "TLS handshake failed: {Reason}{Suppressed}")]
    internal static partial void ServerTlsHandshakeFailed(this ILogger logger, string pool, string server, string reason, string suppressed);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "pool {Pool}: client {Client}: internal error; closing the connection")]
    internal static partial void ClientInternalError(this ILogger logger, Exception exception, string pool, long client);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "pool {Pool}: client {Client} left more than {Limit} reply bytes unread; closing it")]
    internal static partial void ClientOutputLimitExceeded(this ILogger logger, string pool, long client, long limit);

    /// <param name="suppressed">"" or " (N more TLS failures not logged)".</param>
    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "pool {Pool}: client {Client} ({Peer}): {What}; closing{Suppressed}")]
    internal static partial void ClientTlsFailed(this ILogger logger, string pool, long client, string peer, string what, string suppressed);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "pool {Pool}: accept failed: errno {Errno} ({Count} so far); pausing accepts for {Pause} ms")]
    internal static partial void AcceptFailed(this ILogger logger, string pool, int errno, long count, int pause);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Error, Message = "worker {Worker}: posted work failed")]
    internal static partial void WorkerPostedWorkFailed(this ILogger logger, Exception exception, int worker);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Error, Message = "worker {Worker}: event handler failed")]
    internal static partial void WorkerEventHandlerFailed(this ILogger logger, Exception exception, int worker);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Error, Message = "worker {Worker}: timer failed")]
    internal static partial void WorkerTimerFailed(this ILogger logger, Exception exception, int worker);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Error, Message = "worker {Worker}: flush failed")]
    internal static partial void WorkerFlushFailed(this ILogger logger, Exception exception, int worker);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Warning, Message = "pool {Pool}: server {Server} held out of routes until the writes it missed are deleted on it")]
    internal static partial void ServerHeldForMissedWrites(this ILogger logger, string pool, string server);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Information, Message = "server {Server}: {What} (writes it missed while held)")]
    internal static partial void ServerMissedWritesCleaned(this ILogger logger, string server, string what);
}
