using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Sharpcracker.Hosting;

/// <summary>
/// The run-time log level (nutcracker's -v 0..11, changed by SIGTTIN / SIGTTOU) and the log
/// file reopen on SIGHUP. The level is one volatile int read by a logging filter; nothing on the
/// request path logs, so the filter costs nothing there.
/// </summary>
internal static class LogControl
{
    /// <summary>Messages about logging itself ("log level set to 7") are written at any level, as nutcracker's are.</summary>
    public const string Category = "Sharpcracker.Log";

    private static int s_verbosity = CommandLineOptions.DefaultVerbosity;

    public static int Verbosity => Volatile.Read(ref s_verbosity);

    public static void SetVerbosity(int verbosity) => Volatile.Write(ref s_verbosity, Math.Clamp(verbosity, 0, 11));

    /// <summary>The logging filter: the current level, except that the logging category always passes at Information and above.</summary>
    public static bool Filter(string? category, LogLevel level)
        => level != LogLevel.None
           && (level >= LogLevels.FromVerbosity(Verbosity) || (category == Category && level >= LogLevel.Information));

    /// <summary>Adds the run-time filter to a logging builder (replaces a fixed minimum level).</summary>
    public static void Configure(ILoggingBuilder logging)
    {
        logging.SetMinimumLevel(LogLevel.Trace);
        logging.AddFilter(Filter);
    }

    /// <summary>
    /// SIGTTIN raises and SIGTTOU lowers the level by one (0..11); SIGHUP reopens the -o file. Each
    /// signal has its own registration (others, e.g. config reload on SIGHUP, may register too).
    /// Dispose the result to unregister.
    /// </summary>
    public static IDisposable RegisterSignals(ILogger logger, ReopenableLogFile? logFile)
    {
        var registrations = new List<PosixSignalRegistration>();
        if (!OperatingSystem.IsWindows())
        {
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTTIN, context =>
            {
                context.Cancel = true; // the default action would stop the process
                Received(logger, SigTtin, ", up logging level");
                Change(logger, +1);
            }));
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTTOU, context =>
            {
                context.Cancel = true;
                Received(logger, SigTtou, ", down logging level");
                Change(logger, -1);
            }));
            // nutcracker logs SIGUSR1/SIGUSR2 and does nothing else (their default would terminate).
            foreach (var (number, name) in new[] { (10, "SIGUSR1"), (12, "SIGUSR2") })
            {
                registrations.Add(PosixSignalRegistration.Create((PosixSignal)number, context =>
                {
                    context.Cancel = true;
                    Received(logger, (number, name), "");
                }));
            }
            // Logged only: the host's own handlers run the graceful stop (nothing cancels it here).
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Received(logger, SigInt, ", exiting")));
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Received(logger, SigTerm, ", exiting")));
        }
        registrations.Add(
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true; // the default action would terminate the process
                Received(logger, SigHup, logFile is null ? ", reloading configuration" : ", reopening log file and reloading configuration");
                if (logFile is null)
                {
                    return;
                }
                try
                {
                    logFile.Reopen();
                    logger.LogFileReopened(logFile.Path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    logger.LogFileReopenFailed(logFile.Path, e.Message);
                }
            }));
        return new Registrations(registrations);
    }

    // Linux signal numbers (x86-64 and arm64), as nutcracker prints them.
    private static readonly (int Number, string Name) SigHup = (1, "SIGHUP");
    private static readonly (int Number, string Name) SigInt = (2, "SIGINT");
    private static readonly (int Number, string Name) SigTerm = (15, "SIGTERM");
    private static readonly (int Number, string Name) SigTtin = (21, "SIGTTIN");
    private static readonly (int Number, string Name) SigTtou = (22, "SIGTTOU");

    /// <summary>
    /// nutcracker's line for every handled signal, <c>signal 1 (SIGHUP) received, reopening log
    /// file</c> (checked against nutcracker 0.5.0), at Warning so it shows at the default level and
    /// below, as nutcracker's unconditional log_safe does.
    /// </summary>
    private static void Received(ILogger logger, (int Number, string Name) signal, string action)
        => logger.SignalReceived(signal.Number, signal.Name, action);

    private static void Change(ILogger logger, int delta)
    {
        int before, after;
        do
        {
            before = Volatile.Read(ref s_verbosity);
            after = Math.Clamp(before + delta, 0, 11);
        }
        while (Interlocked.CompareExchange(ref s_verbosity, after, before) != before);
        logger.LogLevelChanged(delta > 0 ? "raised" : "lowered", after, LogLevels.FromVerbosity(after));
    }

    private sealed class Registrations(List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var r in registrations)
            {
                r.Dispose();
            }
        }
    }
}
