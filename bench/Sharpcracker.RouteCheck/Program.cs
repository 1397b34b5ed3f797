using System.Runtime.InteropServices;
using Sharpcracker.RouteCheck;

RouteCheckOptions options;
try
{
    if (args.Contains("-h") || args.Contains("--help"))
    {
        Console.Out.Write(RouteCheckOptions.Usage);
        return 0;
    }
    options = RouteCheckOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
{
    Console.Error.WriteLine($"sharpcracker-routecheck: {e.Message}");
    Console.Error.Write(RouteCheckOptions.Usage);
    return 1;
}

// Ended by a signal (the script's timeout, ^C): kill every server and proxy started, then end as the signal asks.
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => ChildProcess.KillAll());
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => ChildProcess.KillAll());

var started = DateTime.UtcNow;
Console.Out.WriteLine($"# Route measurements ({started:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} processors; timings are printed, never asserted)\n");
var failed = false;
foreach (var (name, phase) in new (string, Func<string>)[]
{
    ("stale", () => new StaleReadPhase(options).Run()),
    ("replicated", () => new ReplicatedPhase(options).Run()),
    ("replicated-flap", () => new ReplicatedPhase(options).RunFlap()),
    ("shadow", () => new ShadowPhase(options).Run()),
})
{
    if (!options.Phases.Contains(name))
    {
        continue;
    }
    var phaseStart = DateTime.UtcNow;
    try
    {
        Console.Out.WriteLine(phase());
    }
    catch (InvalidOperationException e)
    {
        failed = true;
        Console.Out.WriteLine($"## {name}: FAILED\n```\n{e.Message}\n```\n");
    }
    Console.Error.WriteLine($"routecheck: {name} took {(DateTime.UtcNow - phaseStart).TotalSeconds:0} s");
}
Console.Error.WriteLine($"routecheck: all phases took {(DateTime.UtcNow - started).TotalSeconds:0} s");
return failed ? 2 : 0;
