using Microsoft.Extensions.Logging;

namespace Sharpcracker.Hosting;

/// <summary>
/// The host's log events (EventIds 6000-6999: log file and level, signals, config reloads,
/// listeners closing), source-generated. The rendered text is what operators and tests grep for.
/// </summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "reopened log file '{Path}'")]
    internal static partial void LogFileReopened(this ILogger logger, string path);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "reopening log file '{Path}' failed: {Error}; still writing to the old file")]
    internal static partial void LogFileReopenFailed(this ILogger logger, string path, string error);

    /// <param name="action">What the proxy does about it: "" or a clause starting with its own separator.</param>
    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "signal {Number} ({Name}) received{Action}")]
    internal static partial void SignalReceived(this ILogger logger, int number, string name, string action);

    /// <param name="direction">"raised" or "lowered".</param>
    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "log level {Direction} to {Verbosity} ({Level})")]
    internal static partial void LogLevelChanged(this ILogger logger, string direction, int verbosity, LogLevel level);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "config reloaded ({Trigger}): {Summary}")]
    internal static partial void ConfigReloaded(this ILogger logger, string trigger, string summary);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "config reload ({Trigger}) refused, the running config stays: {Reason}")]
    internal static partial void ConfigReloadRefused(this ILogger logger, string trigger, string reason);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Error, Message = "config reload ({Trigger}) failed, the running config stays")]
    internal static partial void ConfigReloadFailed(this ILogger logger, Exception exception, string trigger);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Information, Message = "pool '{Pool}' on {Listen} closed")]
    internal static partial void PoolClosed(this ILogger logger, string pool, string listen);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Information, Message = "pool '{Pool}' on {Listen}: bound; accepting clients once its servers are discovered (at most {TimeoutMs} ms)")]
    internal static partial void WaitingForDiscovery(this ILogger logger, string pool, string listen, int timeoutMs);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Information, Message = "pool '{Pool}' on {Listen}: servers discovered after {ElapsedMs} ms; accepting clients")]
    internal static partial void DiscoveredAccepting(this ILogger logger, string pool, string listen, long elapsedMs);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "pool '{Pool}' on {Listen}: servers not discovered within discovery_timeout {TimeoutMs} ms: {Missing}; accepting clients, whose requests fail until discovery succeeds")]
    internal static partial void DiscoveryOverdue(this ILogger logger, string pool, string listen, int timeoutMs, string missing);
}
