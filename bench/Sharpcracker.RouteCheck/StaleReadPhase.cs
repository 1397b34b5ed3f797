using System.Text;
using Sharpcracker.Testing;

namespace Sharpcracker.RouteCheck;

/// <summary>
/// Stale reads after a flap. Three memcached servers (ketama, fnv1a_64) and a one-server gutter
/// pool. A <see cref="VerifyingLoad"/> (2,000 keys, half reads) runs through each configuration in
/// turn while the second server is SIGSTOPped for the outage and SIGCONTed: (a) auto_eject_hosts
/// with rehash under twemproxy and under sharpcracker, on the same file and the same servers;
/// (b) sharpcracker with a failover route from the cache pool (no ejection) to the gutter pool.
/// The servers are flushed before each configuration.
/// </summary>
internal sealed class StaleReadPhase(RouteCheckOptions options)
{
    private const int Keys = 2000;

    public string Run()
    {
        var cache = new List<ChildProcess>();
        ChildProcess? gutter = null;
        try
        {
            for (var i = 0; i < 3; i++)
            {
                cache.Add(ChildProcess.StartMemcached("cache" + i, FreePort.Next()));
            }
            gutter = ChildProcess.StartMemcached("gutter", FreePort.Next());
            var ports = cache.Select(c => c.Port).ToArray();
            var victim = cache[1];
            var configurations = new (string Label, string Executable, Func<int, string> Yaml)[]
            {
                ("(a) twemproxy, auto_eject + rehash", options.Nutcracker, listen => Yaml.Pool("alpha", listen, ports, Yaml.EjectRehash)),
                ("(a) sharpcracker, auto_eject + rehash", options.ScBin, listen => Yaml.Pool("alpha", listen, ports, Yaml.EjectRehash)),
                ("(b) sharpcracker, failover route to gutter", options.ScBin, listen => FailoverYaml(listen, ports, gutter.Port)),
            };
            var table = new MarkdownTable("configuration", "window", "reads", "stale", "stale with a pre-outage value", "misses", "read errors", "hit %", "writes ok", "write errors", "unacked seen");
            var sweep = new MarkdownTable("configuration", "stale keys at end", "missing keys at end", "errors at end", "requests/s before → outage → after");
            var notes = new StringBuilder();
            foreach (var (label, executable, yaml) in configurations)
            {
                Memcached.FlushAll([.. cache, gutter]);
                var listen = FreePort.Next();
                ProxyProcess proxy;
                try
                {
                    proxy = ProxyProcess.Start(label, executable, yaml(listen), listen, executable == options.ScBin ? options.ScArgs : []);
                }
                catch (InvalidOperationException e)
                {
                    table.Add(label, "n/a", "", "", "", "", "", "", "", "", "");
                    notes.Append($"- {label}: n/a, the proxy refused the configuration:\n```\n{e.Message.Trim()}\n```\n");
                    continue;
                }
                using (proxy)
                {
                    Console.Error.WriteLine($"routecheck: stale reads: {label}");
                    var load = new VerifyingLoad(listen, "stale:", Keys, options.Connections, options.Rate, 0.5, OutageSchedule.Windows.Length, OutageSchedule.Seconds(options));
                    var preloadFailed = load.Preload();
                    OutageSchedule.Run(load, options, victim.Stop, victim.Continue);
                    var seconds = new[] { options.BeforeSeconds, options.OutageSeconds, options.AfterSeconds };
                    var rates = new List<string>();
                    for (var w = 0; w < OutageSchedule.Windows.Length; w++)
                    {
                        var t = load.Totals(w);
                        table.Add(label, OutageSchedule.Windows[w], t.Reads, t.Stale, t.StalePreOutage, t.Misses, t.ReadErrors, t.HitPercent, t.WritesOk, t.WriteErrors, t.Unacknowledged);
                        rates.Add(((t.Reads + t.Writes) / seconds[w]).ToString("0", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    var (stale, missing, errors) = OutageSchedule.Sweep(load, listen, Keys);
                    sweep.Add(label, stale.Count, missing, errors, string.Join(" → ", rates));
                    if (stale.Count > 0)
                    {
                        notes.Append($"- {label}: {Explain(load, stale, victim, [.. cache.Where(c => c != victim), gutter])}\n");
                    }
                    notes.Append($"- {label}: {load.Timeline()}\n");
                    notes.Append($"- {label}: errors seen: {load.ErrorSummary()}");
                    notes.Append(preloadFailed > 0 ? $"; {preloadFailed} preload sets failed\n" : "\n");
                    if (executable == options.ScBin && label.StartsWith("(b)", StringComparison.Ordinal))
                    {
                        notes.Append($"- {label}: on the gutter server afterwards: {GutterTtls(load, gutter)}\n");
                    }
                    if (proxy.Child.HasExited)
                    {
                        notes.Append($"- {label}: the proxy EXITED during the run:\n```\n{proxy.LogTail()}\n```\n");
                    }
                }
            }
            return $"""
                ## 1. Stale reads after a flap

                3 memcached servers (ketama, fnv1a_64, timeout 400 ms), one SIGSTOPped for {options.OutageSeconds:0} s then SIGCONTed;
                verifying client: {Keys} keys, {options.Connections} connections, {options.Rate:0} requests/s paced, half sets of a per-key increasing version, half gets.
                Windows: before ({options.BeforeSeconds:0} s), outage ({options.OutageSeconds:0} s), after (the {options.AfterSeconds:0} s after SIGCONT).
                Stale = a read older than the key's last acknowledged write; with a pre-outage value = no newer than what was acknowledged when the server was stopped; unacked seen = a read of a write that had failed or timed out.
                (a) auto_eject_hosts: true, server_failure_limit 1, server_retry_timeout 2000; (b) the cache pool without ejection, `failover: [cache, gutter]`, failover_ttl 60, failover_errors [connect, timeout, ejected, server_error], gutter = 1 server.

                {table}
                After the load stopped, every key read once through the same proxy:

                {sweep}
                {notes}
                """;
        }
        finally
        {
            foreach (var c in cache)
            {
                c.Dispose();
            }
            gutter?.Dispose();
        }
    }

    /// <summary>
    /// Where the stale keys' values live, asked of the servers directly: how many of them the
    /// stopped server holds at exactly the stale version, and how many have their acknowledged
    /// version on one of the other servers (a rehash target or the gutter).
    /// </summary>
    private static string Explain(VerifyingLoad load, List<(int Key, long Read)> stale, ChildProcess victim, ChildProcess[] others)
    {
        using var onVictim = new TextClient(victim.Port, 5000);
        var clients = others.Select(o => (o.Name, Client: new TextClient(o.Port, 5000))).ToArray();
        try
        {
            var fromVictim = 0;
            var ackedOn = new Dictionary<string, int>();
            foreach (var (k, read) in stale)
            {
                if (onVictim.Get(load.Key(k), out var held) == ReplyKind.Hit && held == read)
                {
                    fromVictim++;
                }
                foreach (var (name, client) in clients)
                {
                    if (client.Get(load.Key(k), out var other) == ReplyKind.Hit && other == load.AckedVersion(k))
                    {
                        ackedOn[name] = ackedOn.GetValueOrDefault(name) + 1;
                    }
                }
            }
            var where = ackedOn.Count == 0 ? "on no other server" : string.Join(", ", ackedOn.OrderBy(a => a.Key).Select(a => $"{a.Value} on {a.Key}"));
            return $"of the {stale.Count} keys stale at the end, the stopped server ({victim.Name}) holds exactly the stale value of {fromVictim}; "
                + $"their acknowledged version is {where}";
        }
        finally
        {
            foreach (var (_, client) in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>How many keys the gutter holds and their remaining TTLs (every write was sent with TTL 0 = never expires).</summary>
    private static string GutterTtls(VerifyingLoad load, ChildProcess gutter)
    {
        using var client = new TextClient(gutter.Port, 5000);
        var ttls = new List<long>();
        var never = 0;
        var unreadable = 0;
        for (var k = 0; k < Keys; k++)
        {
            switch (client.RemainingTtl(load.Key(k)))
            {
                case null: unreadable++; break;
                case -2: break;
                case -1: never++; break;
                case { } ttl: ttls.Add(ttl); break;
            }
        }
        var range = ttls.Count == 0 ? "" : $", remaining TTL {ttls.Min()}-{ttls.Max()} s";
        return $"{ttls.Count + never} of {Keys} keys{range}; {never} without expiry{(unreadable > 0 ? $"; {unreadable} unreadable (mg t: {client.LastError})" : "")}";
    }

    private static string FailoverYaml(int listen, int[] cache, int gutter)
        => Yaml.Pool("cache", 0, cache, Yaml.Ketama)
            + Yaml.Pool("gutter", 0, [gutter], "timeout: 400")
            + Yaml.Front("front", listen, "failover: [cache, gutter]", "failover_ttl: 60", "failover_errors: [connect, timeout, ejected, server_error]");
}
