using Microsoft.Extensions.Logging;

namespace Sharpcracker.ControlPlane.Moxi;

/// <summary>The vbucket stream's log events (EventIds 4500-4999), source-generated.</summary>
internal static partial class MoxiLog
{
    [LoggerMessage(EventId = 4500, Level = LogLevel.Warning, Message = "vbucket stream {Url} ended; reconnecting")]
    internal static partial void VBucketStreamEnded(this ILogger logger, string url);

    [LoggerMessage(EventId = 4501, Level = LogLevel.Warning, Message = "vbucket stream {Url} failed: {Message}; keeping the last map")]
    internal static partial void VBucketStreamFailed(this ILogger logger, string url, string message);

    [LoggerMessage(EventId = 4502, Level = LogLevel.Information, Message = "vbucket stream {Url} connected")]
    internal static partial void VBucketStreamConnected(this ILogger logger, string url);

    [LoggerMessage(EventId = 4503, Level = LogLevel.Error, Message = "vbucket stream {Url}: config refused, keeping the last map: {Message}")]
    internal static partial void VBucketConfigRefused(this ILogger logger, string url, string message);
}
