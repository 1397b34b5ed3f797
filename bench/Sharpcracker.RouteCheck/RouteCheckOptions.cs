using System.Globalization;

namespace Sharpcracker.RouteCheck;

/// <summary>Command-line options; every phase is bounded by these times.</summary>
internal sealed class RouteCheckOptions
{
    public const string Usage = """
        Usage: sharpcracker-routecheck --sc-bin PATH [options]
          --sc-bin PATH        the sharpcracker executable (required)
          --nutcracker PATH    twemproxy (default: nutcracker on PATH or /usr/sbin)
          --phases LIST        stale,replicated,shadow (default: all three); also replicated-flap
          --threads N          sharpcracker's worker threads (default: its own)
          --before S           seconds of load before the outage (3)
          --outage S           seconds a server is stopped or dead (10)
          --after S            seconds measured after it is back (10)
          --rate N             requests a second of the verifying client, all connections (4000)
          --connections N      connections of each load (16 verifying, 8 closed-loop)
          --rounds N           interleaved rounds of the shadow phase (3)
          --run-seconds S      seconds of each shadow-phase run (3)

        """;

    public string ScBin { get; private set; } = "";
    public string Nutcracker { get; private set; } = "";
    public HashSet<string> Phases { get; private set; } = ["stale", "replicated", "shadow"];
    public int? Threads { get; private set; }
    public double BeforeSeconds { get; private set; } = 3;
    public double OutageSeconds { get; private set; } = 10;
    public double AfterSeconds { get; private set; } = 10;
    public double Rate { get; private set; } = 4000;
    public int Connections { get; private set; } = 16;
    public int LoadConnections { get; private set; } = 8;
    public int Rounds { get; private set; } = 3;
    public double RunSeconds { get; private set; } = 3;

    /// <summary>The sharpcracker arguments every proxy gets (the thread count when given).</summary>
    public string[] ScArgs => Threads is { } n ? ["--threads", n.ToString(CultureInfo.InvariantCulture)] : [];

    public static RouteCheckOptions Parse(string[] args)
    {
        var o = new RouteCheckOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.Parse(Value(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--sc-bin": o.ScBin = Value(); break;
                case "--nutcracker": o.Nutcracker = Value(); break;
                case "--phases": o.Phases = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries)]; break;
                case "--threads": o.Threads = (int)Number(); break;
                case "--before": o.BeforeSeconds = Number(); break;
                case "--outage": o.OutageSeconds = Number(); break;
                case "--after": o.AfterSeconds = Number(); break;
                case "--rate": o.Rate = Number(); break;
                case "--connections": o.Connections = (int)Number(); o.LoadConnections = Math.Max(1, o.Connections / 2); break;
                case "--rounds": o.Rounds = (int)Number(); break;
                case "--run-seconds": o.RunSeconds = Number(); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (o.ScBin.Length == 0 || !File.Exists(o.ScBin))
        {
            throw new ArgumentException("--sc-bin must name the built sharpcracker executable");
        }
        if (o.Phases.Except(["stale", "replicated", "replicated-flap", "shadow"]).FirstOrDefault() is { } unknown)
        {
            throw new ArgumentException($"unknown phase {unknown}");
        }
        if (o.Nutcracker.Length == 0 && o.Phases.Contains("stale"))
        {
            o.Nutcracker = Programs.Find("nutcracker");
        }
        return o;
    }
}
