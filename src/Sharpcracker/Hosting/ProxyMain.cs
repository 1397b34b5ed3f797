using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Sharpcracker.Configuration;
using Sharpcracker.Proxy;

namespace Sharpcracker.Hosting;

/// <summary>The sharpcracker executable: nutcracker's flags, then the proxy until SIGINT/SIGTERM.</summary>
public static class ProxyMain
{
    private const string DaemonChildVariable = "SHARPCRACKER_DAEMON_CHILD";

    public static async Task<int> RunAsync(string[] args)
    {
        // Socket completions run inline on the epoll threads too, unless the operator says
        // otherwise; read by the runtime when the first socket is created, so set it first.
        if (ProxyHost.InlineScheduling && Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }
        CommandLineOptions options;
        try
        {
            options = CommandLineOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"sharpcracker: {e.Message}");
            Console.Error.Write(CommandLineOptions.HelpText(ProxyProcess.Version));
            return 1;
        }

        if (options.ShowVersion || options.ShowHelp)
        {
            Console.Out.Write(options.ShowHelp ? CommandLineOptions.HelpText(ProxyProcess.Version) : $"This is sharpcracker-{ProxyProcess.Version}\n");
            return 0;
        }
        if (options.DescribeStats)
        {
            Console.Out.Write($"This is sharpcracker-{ProxyProcess.Version}\n\n");
            Console.Out.Write(StatsDescription.Render());
            return 0;
        }

        // The YAML file, or moxi-style -z sources (Hosting/LiveConfig.cs).
        LiveConfig? live = null;
        ProxyConfig config;
        try
        {
            live = LiveConfig.FromOptions(options);
            config = live.Load();
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
        if (options.TestConfig)
        {
            Console.Error.WriteLine($"sharpcracker: configuration file '{live.Name}' syntax is ok");
            return 0;
        }

        // A valid twemproxy file may have Redis pools; serving them as memcached would be wrong.
        if (config.Pools.FirstOrDefault(p => p.Redis) is { } redisPool)
        {
            Console.Error.WriteLine($"sharpcracker: pool '{redisPool.Name}' in '{options.ConfigFile}' has redis: true; Redis pools are not supported by this version yet");
            return 1;
        }

        if (options.Daemonize && Environment.GetEnvironmentVariable(DaemonChildVariable) is null)
        {
            return Daemonize(args);
        }

        var level = LogLevels.FromVerbosity(options.Verbosity);
        using var fileLog = options.OutputFile is { } path ? new StreamWriter(path, append: true) { AutoFlush = true } : null;
        void ConfigureLogging(ILoggingBuilder logging)
        {
            logging.SetMinimumLevel(level);
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
            File.WriteAllText(pidFile, Environment.ProcessId + "\n");
        }
        try
        {
            await using var host = new ProxyHost(config, ConfigureLogging);
            await host.StartAsync();
            foreach (var pool in config.Pools)
            {
                Console.Error.WriteLine($"sharpcracker-{ProxyProcess.Version}: pool '{pool.Name}' listening on {pool.Listen.Text} ({(pool.Redis ? "redis" : "memcached")}, {pool.Servers.Count} servers)");
            }
            await using var liveConfig = live;
            live.Start(host, options.WatchConfig);
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
            if (options.PidFile is { } pid && File.Exists(pid))
            {
                File.Delete(pid);
            }
        }
    }

    /// <summary>-d: start a detached copy of this process with stdio on /dev/null and return at once.</summary>
    private static int Daemonize(string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ProxyMain).Assembly.Location);
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment[DaemonChildVariable] = "1";
        using var child = Process.Start(start)!;
        child.StandardInput.Close();
        Console.Out.WriteLine($"sharpcracker: daemon started, pid {child.Id}");
        return 0;
    }
}
