using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.OperatorConsole;

namespace Sharpcracker.Hosting;

/// <summary>The sharpcracker executable: nutcracker's flags, then the proxy until SIGINT/SIGTERM.</summary>
internal static class ProxyMain
{
    public static async Task<int> RunAsync(string[] args)
    {
        CommandLineOptions options;
        try
        {
            options = CommandLineOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"sharpcracker: {e.Message}");
            Console.Error.Write(CommandLineOptions.HelpText(ProcessFacts.Version));
            return 1;
        }

        if (options.ShowVersion || options.ShowHelp)
        {
            Console.Out.Write(options.ShowHelp ? CommandLineOptions.HelpText(ProcessFacts.Version) : $"This is sharpcracker-{ProcessFacts.Version}\n");
            return 0;
        }
        if (options.DescribeStats)
        {
            Console.Out.Write($"This is sharpcracker-{ProcessFacts.Version}\n\n");
            Console.Out.Write(StatsDescription.Render());
            Console.Out.Write("\n" + StatsDescription.WorkersLine(options.Threads > 0 ? options.Threads : Engine.WorkerGroup.DefaultCount));
            return 0;
        }

        // Before LiveConfig's reloader and LogControl register SIGHUP (see UnignoreSigHup).
        if (!OperatingSystem.IsWindows())
        {
            Common.Interop.Libc.UnignoreSigHup();
        }

        // The YAML file, or moxi-style -z sources (Hosting/LiveConfig.cs).
        LiveConfig? live = null;
        ProxyConfig config;
        try
        {
            live = LiveConfig.FromOptions(options);
            config = live.LoadFirst();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"sharpcracker: {e.Message}");
            return 1;
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine(e.Message);
            if (options.TestConfig)
            {
                Console.Error.WriteLine($"sharpcracker: configuration file '{live?.Name ?? options.ConfigFile}' syntax is invalid");
            }
            return 1;
        }
        // The fork's global: keys that cannot apply (said once, at start and by -t).
        foreach (var warning in config.Warnings)
        {
            Console.Error.WriteLine($"sharpcracker: warning: {warning}");
        }
        if (options.TestConfig)
        {
            Console.Error.WriteLine($"sharpcracker: configuration file '{live.Name}' syntax is ok");
            return 0;
        }
        if (options.RouteKey is { } routeKey)
        {
            return PrintRoute(config, routeKey, options.RoutePool, options.RouteOperation);
        }

        if (options.Daemonize && !Daemon.IsChild)
        {
            return Daemon.StartAndWait(args);
        }
        if (Daemon.IsChild)
        {
            Daemon.Detach();
        }

        // The level can change at run time (SIGTTIN / SIGTTOU), so it is a filter, not a fixed minimum.
        LogControl.SetVerbosity(options.Verbosity);
        ReopenableLogFile? fileLog;
        try
        {
            fileLog = options.OutputFile is { } path ? new ReopenableLogFile(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"sharpcracker: cannot open log file '{options.OutputFile}': {e.Message}");
            return 1;
        }
        using var fileLogScope = fileLog;
        void ConfigureLogging(ILoggingBuilder logging)
        {
            LogControl.Configure(logging);
            logging.AddFilter("Microsoft", LogLevel.Warning);
            if (fileLog is not null)
            {
                logging.AddProvider(new TextWriterLoggerProvider(fileLog));
            }
            else
            {
                logging.AddSimpleConsole(o =>
                {
                    o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
                    o.SingleLine = true;
                    o.ColorBehavior = LoggerColorBehavior.Disabled;
                });
                logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            }
        }

        if (options.PidFile is { } pidFile)
        {
            try
            {
                File.WriteAllText(pidFile, Environment.ProcessId + "\n");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"sharpcracker: cannot write pid file '{pidFile}': {e.Message}");
                return 1;
            }
        }
        using var opsLoggerFactory = LoggerFactory.Create(ConfigureLogging);
        var opsLogger = opsLoggerFactory.CreateLogger("Sharpcracker.Stats");
        using var signals = LogControl.RegisterSignals(opsLoggerFactory.CreateLogger(LogControl.Category), fileLog);
        StatsServers? statsServers = null;
        try
        {
            // --threads wins over the fork's global: worker_processes; worker_shutdown_timeout bounds the drain.
            var timings = config.Global?.WorkerShutdownTimeoutSeconds is { } drainSeconds
                ? ProxyTimings.Default with { ShutdownDrainDeadline = TimeSpan.FromSeconds(drainSeconds) }
                : ProxyTimings.Default;
            if (config.Global?.MaxOpenFiles is { } maxOpenFiles && OpenFilesLimit.Apply(maxOpenFiles) is { } limitNote)
            {
                Console.Error.WriteLine($"sharpcracker: warning: {limitNote}");
            }
            await using var host = new ProxyHost(config, ConfigureLogging, options.Threads > 0 ? options.Threads : config.Global?.WorkerThreads ?? 0, timings);
            live.CatchEarlySighup(); // clients (and operators) may act as soon as a port opens
            await host.StartAsync();
            statsServers = StatsServers.Start(options.StatsAddress, options.StatsPort, options.MetricsPort, opsLogger, new ProxyHostView(host));
            foreach (var pool in config.Pools)
            {
                var serves = pool.Route is { } route ? $"routes over {string.Join(", ", route.PoolNames().Distinct())}" : $"{pool.Servers.Count} servers";
                Console.Error.WriteLine($"sharpcracker-{ProcessFacts.Version}: pool '{pool.Name}' listening on {pool.Listen.Text} ({(pool.Redis ? "redis" : "memcached")}, {serves})");
            }
            foreach (var pool in config.RoutePools)
            {
                Console.Error.WriteLine($"sharpcracker-{ProcessFacts.Version}: pool '{pool.Name}' serves routes only ({(pool.Redis ? "redis" : "memcached")}, {pool.Servers.Count} servers)");
            }
            await using var liveConfig = live;
            live.Start(host, options.WatchConfig);
            if (Daemon.IsChild)
            {
                Daemon.SignalReady();
            }
            await host.WaitForShutdownAsync();
            return 0;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"sharpcracker: failed to start: {e.Message}");
            return 1;
        }
        finally
        {
            if (statsServers is not null)
            {
                await statsServers.DisposeAsync();
            }
            if (options.PidFile is { } pid && File.Exists(pid))
            {
                File.Delete(pid);
            }
        }
    }

    /// <summary>
    /// --route: where the key goes in each listening pool (or <paramref name="poolName"/>, which may
    /// also name a pool that serves routes only) with every server in service, through the proxy's
    /// own routing code; a listener that routes shows its whole decision (docs/routes.md). No
    /// listener is opened and nothing is contacted.
    /// </summary>
    private static int PrintRoute(ProxyConfig config, byte[] key, string? poolName, string? operation)
    {
        var pools = poolName is null ? config.Pools.ToList() : config.Pools.Concat(config.RoutePools).Where(p => p.Name == poolName).ToList();
        if (pools.Count == 0)
        {
            Console.Error.WriteLine($"sharpcracker: no pool '{poolName}' in the configuration; pools: {string.Join(", ", config.Pools.Concat(config.RoutePools).Select(p => p.Name))}");
            return 1;
        }
        var op = operation is null ? null : OperatorConsole.ConsoleRoutes.ParseOperation(operation);
        Console.Out.Write(string.Join("\n", pools.Select(p => p.Route is null
            ? OperatorConsole.RouteLookup.Offline(p, key).Text()
            : OperatorConsole.RouteLookup.OfflineRoutes(config, p, key, op).Text())));
        return 0;
    }
}
