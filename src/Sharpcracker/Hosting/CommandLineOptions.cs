using System.Globalization;
using Sharpcracker.Engine;

namespace Sharpcracker.Hosting;

/// <summary>
/// nutcracker's command line, flag for flag (getopt style: "-v 6", "-v6", "--verbose=6",
/// "--verbose 6"), with nutcracker's defaults.
/// </summary>
internal sealed class CommandLineOptions
{
    public const int DefaultVerbosity = 5;
    public const int MinMbufSize = 512;
    public const int MaxMbufSize = 16777216;

    public bool ShowHelp { get; private set; }
    public bool ShowVersion { get; private set; }
    public bool TestConfig { get; private set; }
    public bool Daemonize { get; private set; }
    public bool DescribeStats { get; private set; }
    public int Verbosity { get; private set; } = DefaultVerbosity;
    public string? OutputFile { get; private set; }
    public string ConfigFile { get; private set; } = "conf/nutcracker.yml";
    public int StatsPort { get; private set; } = 22222;
    public string StatsAddress { get; private set; } = "0.0.0.0";
    public int StatsIntervalMs { get; private set; } = 30000;
    public string? PidFile { get; private set; }
    public int MbufSize { get; private set; } = 16384;
    /// <summary>--metrics-port: Prometheus /metrics on the -a address; 0 = off (the default). No short form.</summary>
    public int MetricsPort { get; private set; }

    private const char MetricsPortFlag = '\u0001';
    /// <summary>moxi-style <c>-z</c> values (and bare <c>http://</c> arguments as <c>url=…</c>), in order; see Moxi/MoxiConfigSource.</summary>
    public List<string> MoxiConfigs { get; } = [];
    /// <summary>moxi-style <c>-Z key=value[,key=value…]</c> values.</summary>
    public List<string> MoxiOptions { get; } = [];
    /// <summary>--watch-config: reload when the config file changes.</summary>
    public bool WatchConfig { get; private set; }
    /// <summary>--threads: worker threads (event loops); 0 = one per processor.</summary>
    public int Threads { get; private set; }
    /// <summary>--route KEY / --route-base64 KEY: print where the key goes under the config file and exit; null otherwise.</summary>
    public byte[]? RouteKey { get; private set; }
    /// <summary>--pool NAME: the pool --route answers for (default: every pool).</summary>
    public string? RoutePool { get; private set; }
    /// <summary>--route-op get|update|delete|other: the one operation class --route answers for a listener that routes (default: each class its tree tells apart).</summary>
    public string? RouteOperation { get; private set; }

    private static readonly Dictionary<string, char> s_long = new(StringComparer.Ordinal)
    {
        ["help"] = 'h',
        ["version"] = 'V',
        ["test-conf"] = 't',
        ["daemonize"] = 'd',
        ["describe-stats"] = 'D',
        ["verbose"] = 'v',
        ["verbosity"] = 'v',
        ["output"] = 'o',
        ["conf-file"] = 'c',
        ["stats-port"] = 's',
        ["stats-addr"] = 'a',
        ["stats-interval"] = 'i',
        ["pid-file"] = 'p',
        ["mbuf-size"] = 'm',
        ["metrics-port"] = MetricsPortFlag,
        ["watch-config"] = WatchConfigFlag,
        ["threads"] = ThreadsFlag,
        ["route"] = RouteFlag,
        ["route-base64"] = RouteBase64Flag,
        ["pool"] = PoolFlag,
        ["route-op"] = RouteOpFlag,
    };

    // Long-only flags: characters no argument can bundle.
    private const char WatchConfigFlag = '\u0002';
    private const char RouteFlag = '\u0003';
    private const char RouteBase64Flag = '\u0004';
    private const char PoolFlag = '\u0005';
    private const char ThreadsFlag = '\u0006';
    private const char RouteOpFlag = '\u0007';

    private const string FlagsWithValue = "voc saipmzZ\u0001\u0003\u0004\u0005\u0006\u0007";

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> with a user-facing message.</summary>
    public static CommandLineOptions Parse(IReadOnlyList<string> rawArgs)
    {
        var o = new CommandLineOptions();
        var args = Unbundle(rawArgs);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            char flag;
            string? value = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                var name = arg[2..];
                var eq = name.IndexOf('=');
                if (eq >= 0)
                {
                    value = name[(eq + 1)..];
                    name = name[..eq];
                }
                if (!s_long.TryGetValue(name, out flag))
                {
                    throw new ArgumentException($"invalid option -- '{name}'");
                }
            }
            else if (arg.StartsWith('-') && arg.Length >= 2)
            {
                flag = arg[1];
                if (arg.Length > 2)
                {
                    if (FlagsWithValue.Contains(flag))
                    {
                        value = arg[2..];
                    }
                    else
                    {
                        throw new ArgumentException($"invalid option -- '{arg[1..]}'");
                    }
                }
            }
            else if (arg.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || arg.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                // moxi's shorthand: a bare URL is -z url=URL.
                o.MoxiConfigs.Add("url=" + arg);
                continue;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }

            if (FlagsWithValue.Contains(flag) && value is null)
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"option {arg} requires a value");
                }
                value = args[++i];
            }

            switch (flag)
            {
                case 'h': o.ShowHelp = true; break;
                case 'V': o.ShowVersion = true; break;
                case 't': o.TestConfig = true; break;
                case 'd': o.Daemonize = true; break;
                case 'D': o.DescribeStats = true; break;
                case 'v':
                    o.Verbosity = Number(value!, "verbosity", 0, 11);
                    break;
                case 'o': o.OutputFile = value; break;
                case 'c': o.ConfigFile = value!; break;
                case 's': o.StatsPort = Number(value!, "stats port", 1, 65535); break;
                case 'a': o.StatsAddress = value!; break;
                case 'i': o.StatsIntervalMs = Number(value!, "stats interval", 1, int.MaxValue); break;
                case 'p': o.PidFile = value; break;
                case 'm': o.MbufSize = Number(value!, "mbuf size", MinMbufSize, MaxMbufSize); break;
                case MetricsPortFlag: o.MetricsPort = Number(value!, "metrics port", 1, 65535); break;
                case 'z': o.MoxiConfigs.Add(value!); break;
                case 'Z': o.MoxiOptions.Add(value!); break;
                case WatchConfigFlag: o.WatchConfig = true; break;
                case ThreadsFlag: o.Threads = Number(value!, "threads", 1, 1024); break;
                case RouteFlag: o.RouteKey = System.Text.Encoding.UTF8.GetBytes(value!); break;
                case RouteBase64Flag: o.RouteKey = Base64(value!); break;
                case PoolFlag: o.RoutePool = value; break;
                case RouteOpFlag:
                    o.RouteOperation = value is "get" or "update" or "delete" or "other" ? value
                        : throw new ArgumentException($"option route-op value '{value}' is not one of get, update, delete, other");
                    break;
                default:
                    throw new ArgumentException($"invalid option -- '{flag}'");
            }
        }
        return o;
    }

    /// <summary>getopt bundling: "-dt" is "-d -t"; "-tv6" is "-t -v6".</summary>
    private static List<string> Unbundle(IReadOnlyList<string> args)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            // "--route -x": a long flag's separate value is taken as it is (a key may start with '-').
            if (arg.StartsWith("--", StringComparison.Ordinal) && !arg.Contains('=') && s_long.TryGetValue(arg[2..], out var longFlag)
                && FlagsWithValue.Contains(longFlag) && i + 1 < args.Count)
            {
                result.Add(arg);
                result.Add(args[++i]);
                continue;
            }
            if (arg.Length <= 2 || arg[0] != '-' || arg[1] == '-' || FlagsWithValue.Contains(arg[1]))
            {
                result.Add(arg);
                // A flag's separate value is never itself unbundled.
                if (arg.Length == 2 && FlagsWithValue.Contains(arg[1]) && i + 1 < args.Count)
                {
                    result.Add(args[++i]);
                }
                continue;
            }
            for (var j = 1; j < arg.Length; j++)
            {
                if (FlagsWithValue.Contains(arg[j]))
                {
                    result.Add("-" + arg[j..]);
                    break;
                }
                result.Add("-" + arg[j]);
            }
        }
        return result;
    }

    private static byte[] Base64(string value)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"option route-base64 value '{value}' is not valid base64");
        }
    }

    private static int Number(string value, string what, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new ArgumentException($"option {what} value '{value}' is not a number between {min} and {max}");
        }
        return n;
    }

    public static string HelpText(string version) => $"""
        This is sharpcracker-{version}

        Usage: sharpcracker [-?hVdDt] [-v verbosity level] [-o output file]
                            [-c conf file] [-s stats port] [-a stats addr]
                            [-i stats interval] [-p pid file] [-m mbuf size]

        Options:
          -h, --help             : this help
          -V, --version          : show version and exit
          -t, --test-conf        : test configuration for syntax errors and exit
          -d, --daemonize        : run as a daemon
          -D, --describe-stats   : print stats description and exit
          -v, --verbose=N        : set logging level (default: {DefaultVerbosity}, min: 0, max: 11)
          -o, --output=S         : set logging file (default: stderr)
          -c, --conf-file=S      : set configuration file (default: conf/nutcracker.yml)
          -s, --stats-port=N     : set stats monitoring port (default: 22222)
          -a, --stats-addr=S     : set stats monitoring ip (default: 0.0.0.0)
          -i, --stats-interval=N : set stats aggregation interval in msec (default: 30000 msec)
          -p, --pid-file=S       : set pid file (default: off)
          -m, --mbuf-size=N      : set size of mbuf chunk in bytes (default: 16384 bytes)
              --metrics-port=N   : serve Prometheus metrics on http://<stats addr>:N/metrics (default: off)
          --watch-config         : reload the configuration when its file changes (SIGHUP always does)
              --threads=N        : worker threads, each an event loop with its own server connections (default: {Engine.WorkerGroup.DefaultCount}, the processors)
          --route KEY [--pool P] : print the server KEY maps to under the configuration (and why), then exit
          --route-base64 KEY     : the same for a binary key given in base64
          --route-op OP          : with --route, a listener that routes: only get, update, delete or other
          -z PORT=HOST[:PORT],…  : moxi-style: listen on PORT, ketama over the listed memcached servers
          -z ./FILE | -z /FILE   : moxi-style: lines "PORT = <vBucketServerMap JSON object>"
          -z url=http://H:P/PATH : moxi-style: follow a streaming vBucket config (also a bare http:// argument)
          -Z port_listen=N,…     : moxi-style options: port_listen (default 11211), listen_addr (default 0.0.0.0)

        """;
}
