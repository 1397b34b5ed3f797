using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Sharpcracker.OperatorConsole;

/// <summary>The stats and metrics ports' log events (EventIds 5000-5999), source-generated.</summary>
internal static partial class ConsoleLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "stats: listening on {Address}:{Port}")]
    internal static partial void StatsListening(this ILogger logger, string address, int port);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "stats: cannot listen on {Address}:{Port}: {Error}; the stats port is off")]
    internal static partial void StatsListenFailed(this ILogger logger, string address, int port, string error);

    /// <param name="console">"" or " (status page http://address:port/)".</param>
    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "metrics: listening on http://{Address}:{Port}/metrics{Console}")]
    internal static partial void MetricsListening(this ILogger logger, string address, int port, string console);

    /// <param name="what">"stats" or "metrics".</param>
    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "{What}: accept failed: {Error}")]
    internal static partial void ConsoleAcceptFailed(this ILogger logger, string what, SocketError error);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "{What}: served {Peer}")]
    internal static partial void ConsoleServed(this ILogger logger, string what, string peer);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Debug, Message = "{What}: {Peer}: {Error}")]
    internal static partial void ConsoleServeFailed(this ILogger logger, string what, string peer, string error);
}
