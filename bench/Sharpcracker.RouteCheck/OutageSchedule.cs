namespace Sharpcracker.RouteCheck;

/// <summary>
/// The timeline the stale-read and replicated phases share: load before (window 0), the outage
/// (window 1, from <c>begin</c> until <c>end</c>), after it (window 2); then the load stops.
/// </summary>
internal static class OutageSchedule
{
    public static readonly string[] Windows = ["before", "outage", "after"];

    /// <summary>Seconds the schedule lasts, with room for a slow start or stop.</summary>
    public static int Seconds(RouteCheckOptions options) => (int)Math.Ceiling(options.BeforeSeconds + options.OutageSeconds + options.AfterSeconds) + 10;

    public static void Run(VerifyingLoad load, RouteCheckOptions options, Action begin, Action end)
    {
        load.Start();
        try
        {
            Thread.Sleep(TimeSpan.FromSeconds(options.BeforeSeconds)); // the measured window's length
            load.Enter(1); // first: a request failing while the server goes down counts into the outage
            begin();
            Thread.Sleep(TimeSpan.FromSeconds(options.OutageSeconds)); // the outage's length
            end();
            load.Enter(2); // last: requests while the server comes back still count into the outage
            Thread.Sleep(TimeSpan.FromSeconds(options.AfterSeconds)); // the measured window's length
        }
        finally
        {
            load.Stop();
        }
    }

    /// <summary>
    /// Reads every key once through <paramref name="port"/> after the load: keys read stale (with
    /// the value read), missing, failing.
    /// </summary>
    public static (List<(int Key, long Read)> Stale, int Missing, int Errors) Sweep(VerifyingLoad load, int port, int keys)
    {
        using var client = new TextClient(port, 5000);
        var stale = new List<(int, long)>();
        int missing = 0, errors = 0;
        for (var k = 0; k < keys; k++)
        {
            switch (client.Get(load.Key(k), out var value))
            {
                case ReplyKind.Hit when value < load.AckedVersion(k):
                    stale.Add((k, value));
                    break;
                case ReplyKind.Hit:
                    break;
                case ReplyKind.Miss:
                    missing++;
                    break;
                default:
                    errors++;
                    break;
            }
        }
        return (stale, missing, errors);
    }
}
