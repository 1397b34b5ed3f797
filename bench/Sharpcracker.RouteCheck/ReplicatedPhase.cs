using System.Globalization;
using Sharpcracker.Testing;

namespace Sharpcracker.RouteCheck;

/// <summary>
/// A replicated pool losing a replica under load. Three one-server pools r1 r2 r3 behind
/// <c>{replicated: [r1, r2, r3], write_policy: majority}</c>; a <see cref="VerifyingLoad"/>
/// (20,000 keys preloaded, 90 % gets, so most keys are not rewritten while r2 is back) runs while
/// r2 is SIGKILLed for the outage and then restarted empty on its port. Reported per window: sets
/// and gets, hit ratio, stale reads; then what each replica holds (does r2 catch up?). Run twice,
/// without and with <c>read_failover_on_miss</c>, on fresh servers.
/// </summary>
internal sealed class ReplicatedPhase(RouteCheckOptions options)
{
    private const int Keys = 20000;

    public string Run() => $"""
        ## 2. Replicated pool, one replica killed and restarted empty

        `{"{"}replicated: [r1, r2, r3], write_policy: majority{"}"}` (read_from: key, the default), three one-server pools (timeout 400 ms).
        {Keys} keys preloaded, {options.Connections} connections, {options.Rate:0} requests/s, 90 % gets. r2 SIGKILLed for {options.OutageSeconds:0} s,
        then restarted empty on its port; "after" = the {options.AfterSeconds:0} s after it is back. Twice: without and with read_failover_on_miss (fresh servers each).
        Phase `replicated-flap` (not run by default): r2 SIGSTOPped for the outage instead, then SIGCONTed (a flap, as in phase 1).


        """ + Variant(onMiss: false, flap: false) + Variant(onMiss: true, flap: false);

    /// <summary>The flap variant alone: r2 SIGSTOPped and SIGCONTed instead of killed and restarted empty.</summary>
    public string RunFlap() => $"""
        ## 2b. Replicated pool, one replica SIGSTOPped for {options.OutageSeconds:0} s and SIGCONTed

        As phase 2 (majority, read_from key, {Keys} keys, 90 % gets), r2 stopped instead of killed: does it come back behind the others?


        """ + Variant(onMiss: false, flap: true);

    private string Variant(bool onMiss, bool flap)
    {
        var replicas = new ChildProcess[3];
        try
        {
            for (var i = 0; i < 3; i++)
            {
                replicas[i] = ChildProcess.StartMemcached("r" + (i + 1), FreePort.Next());
            }
            var listen = FreePort.Next();
            var yaml = string.Concat(replicas.Select(r => Yaml.Pool(r.Name, 0, [r.Port], "timeout: 400")))
                + Yaml.Front("front", listen, "replicated: [r1, r2, r3]", "write_policy: majority", $"read_failover_on_miss: {(onMiss ? "true" : "false")}");
            var header = $"### {(flap ? "r2 SIGSTOPped, " : "")}read_failover_on_miss: {(onMiss ? "true" : "false")}\n\n";
            ProxyProcess proxy;
            try
            {
                proxy = ProxyProcess.Start("sharpcracker replicated", options.ScBin, yaml, listen, options.ScArgs);
            }
            catch (InvalidOperationException e)
            {
                return header + $"n/a: the proxy refused the configuration:\n```\n{e.Message.Trim()}\n```\n";
            }
            using (proxy)
            {
                Console.Error.WriteLine($"routecheck: replicated pool, read_failover_on_miss {onMiss}");
                var load = new VerifyingLoad(listen, "rep:", Keys, options.Connections, options.Rate, 0.9, OutageSchedule.Windows.Length, OutageSchedule.Seconds(options));
                var preloadFailed = load.Preload();
                var keys = Enumerable.Range(0, Keys).Select(load.Key).ToArray();
                var preloaded = replicas.Select(r => Memcached.Values(r.Port, keys).Count).ToArray();
                var victimPort = replicas[1].Port;
                if (flap)
                {
                    OutageSchedule.Run(load, options, replicas[1].Stop, replicas[1].Continue);
                }
                else
                {
                    OutageSchedule.Run(load, options, () => replicas[1].Kill(), () =>
                    {
                        replicas[1].Dispose();
                        replicas[1] = ChildProcess.StartMemcached("r2", victimPort);
                    });
                }
                var table = new MarkdownTable("window", "sets ok", "sets failed", "gets", "hits", "misses", "get errors", "hit %", "stale");
                for (var w = 0; w < OutageSchedule.Windows.Length; w++)
                {
                    var t = load.Totals(w);
                    table.Add(OutageSchedule.Windows[w], t.WritesOk, t.WriteErrors, t.Reads, t.Fresh + t.Stale, t.Misses, t.ReadErrors, t.HitPercent, t.Stale);
                }
                var (stale, missing, errors) = OutageSchedule.Sweep(load, listen, Keys);
                var holds = new MarkdownTable("replica", "keys held after the preload", "keys held at the end", "of which older than the last acknowledged write");
                for (var i = 0; i < 3; i++)
                {
                    var held = Memcached.Values(replicas[i].Port, keys);
                    var behind = Enumerable.Range(0, Keys).Count(k => held.TryGetValue(keys[k], out var v) && v < load.AckedVersion(k));
                    holds.Add(replicas[i].Name, preloaded[i], held.Count, behind);
                }
                var died = proxy.Child.HasExited ? $"\nThe proxy EXITED during the run:\n```\n{proxy.LogTail()}\n```\n" : "";
                return header + table + "\n" + holds + $"""

                    Every key read once through the route at the end: {stale.Count} stale, {missing} missing, {errors} errors (of {Keys}).
                    Per second: {load.Timeline()}.
                    Errors seen: {load.ErrorSummary()}{(preloadFailed > 0 ? $"; {preloadFailed.ToString(CultureInfo.InvariantCulture)} preload sets failed" : "")}.
                    {died}

                    """;
            }
        }
        finally
        {
            foreach (var r in replicas)
            {
                r?.Dispose();
            }
        }
    }
}
