using Microsoft.Extensions.Logging;

namespace Sharpcracker.Hosting;

/// <summary>Writes timestamped log lines to a file (-o), one lock per line; logging is off the hot path.</summary>
internal sealed class TextWriterLoggerProvider(TextWriter writer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(writer, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TextWriter writer, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.Now:yyyy-MM-dd HH:mm:ss.fff} {logLevel.ToString().ToLowerInvariant()[..4]}: {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}";
            lock (writer)
            {
                writer.WriteLine(line);
            }
        }
    }
}
