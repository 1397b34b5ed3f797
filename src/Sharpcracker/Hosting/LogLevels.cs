using Microsoft.Extensions.Logging;

namespace Sharpcracker.Hosting;

/// <summary>nutcracker's -v 0..11 (EMERG .. PVERB) onto Microsoft.Extensions.Logging levels.</summary>
internal static class LogLevels
{
    public static LogLevel FromVerbosity(int verbosity) => verbosity switch
    {
        <= 2 => LogLevel.Critical,
        3 => LogLevel.Error,
        4 => LogLevel.Warning,
        5 or 6 => LogLevel.Information,
        7 => LogLevel.Debug,
        _ => LogLevel.Trace,
    };
}
