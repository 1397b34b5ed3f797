using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// The soak under faults (docs/reliability.md, "Soak under faults"): verifying clients on the three
/// pools of a <see cref="SoakCluster"/>, connecting and disconnecting, plus bursts of short
/// connections; meanwhile a fault loop injects one fault at a time at random intervals (every kind
/// once per round, in random order); the proxy's memory, descriptors and threads sampled every
/// 10 s; at the end the stats port's counters are checked against what the clients saw. Shared by
/// <see cref="SoakTests"/> (60 s) and scripts/soak (any length).
/// </summary>
internal static class SoakDriver
{
    /// <summary>How long after a fault lifts its effects may still be seen: the pool's timeout, a back-off window (500 ms at most), scheduling on a loaded machine.</summary>
    private const double GraceMs = 3000;

    private const int ClientsPerPool = 2;
    private const int KeysPerClient = 200;
    private const int PauseMs = 5;

    public static async Task<SoakReport> RunAsync(TimeSpan duration, int seed, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var checker = new SoakChecker(() => clock.Elapsed.TotalMilliseconds);
        var random = new Random(seed);
        using var cluster = await SoakCluster.StartAsync();
        log($"{clock.Elapsed.TotalSeconds:F1} s: cluster up (proxy pid {cluster.Proxy.Pid})");
        var baseline = await CountersAsync(cluster);
        using var stopLoad = new CancellationTokenSource();
        var start = clock.Elapsed;
        var load = new List<Task>();
        foreach (var pool in cluster.Pools)
        {
            for (var c = 0; c < ClientsPerPool; c++)
            {
                var client = new SoakClient(pool, checker, c, KeysPerClient, PauseMs, random.Next());
                load.Add(Task.Run(() => client.RunAsync(stopLoad.Token)));
            }
        }
        var burstRandom = new Random(random.Next());
        load.Add(Task.Run(async () =>
        {
            while (!stopLoad.IsCancellationRequested)
            {
                await Task.Delay(3000, CancellationToken.None);
                await Task.WhenAll(cluster.Pools.Select(p => SoakClient.BurstAsync(p, checker, 10, burstRandom)));
            }
        }));
        var samples = new List<SoakSample>();
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                samples.Add(await SampleAsync(cluster.Proxy, (clock.Elapsed - start).TotalSeconds));
                try
                {
                    await Task.Delay(10000, stopSampling.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        var faults = new List<string>();
        var faultRandom = new Random(random.Next());
        while (clock.Elapsed - start < duration)
        {
            SoakFaultKind[] round = [SoakFaultKind.KillRestart, SoakFaultKind.KillRestart, SoakFaultKind.StopContinue, SoakFaultKind.StopContinue,
                SoakFaultKind.Reload, SoakFaultKind.Reload, SoakFaultKind.SentinelFailover];
            faultRandom.Shuffle(round);
            var plain = new[] { cluster.Memcached, cluster.Memcached, cluster.Memcached, cluster.Redis, cluster.Redis, cluster.Redis };
            foreach (var kind in round)
            {
                if (clock.Elapsed - start >= duration)
                {
                    break;
                }
                await Task.Delay(faultRandom.Next(500, 2000));
                var pool = plain[faultRandom.Next(plain.Length)];
                var fault = await InjectAsync(kind, kind == SoakFaultKind.SentinelFailover ? cluster.Sentinel : pool, cluster, checker, faultRandom);
                var line = $"{fault.Kind} {fault.Pool} {string.Join(",", fault.Servers)}: {fault.Description}, {fault.Start / 1000:F1}–{fault.End / 1000:F1} s";
                faults.Add(line);
                log(line);
            }
        }
        // Every fault has lifted and its grace passed: what follows must be clean.
        await Task.Delay((int)GraceMs);
        stopLoad.Cancel();
        await Task.WhenAll(load);
        samples.Add(await SampleAsync(cluster.Proxy, (clock.Elapsed - start).TotalSeconds));
        stopSampling.Cancel();
        await sampler;

        var (lines, mismatches) = await CheckCountersAsync(cluster, checker, baseline);
        var calm = checker.CalmLatencies.Order().ToArray();
        var report = new SoakReport
        {
            Duration = clock.Elapsed - start,
            Seed = seed,
            Counts = new Dictionary<string, long>(checker.Counts),
            Faults = faults,
            Problems = [.. checker.Problems],
            Samples = samples,
            CounterLines = lines,
            CounterMismatches = mismatches,
            CalmP50Ms = calm.Length == 0 ? 0 : calm[calm.Length / 2],
            CalmP99Ms = calm.Length == 0 ? 0 : calm[Math.Min(calm.Length - 1, (int)(calm.Length * 0.99))],
            CalmRequests = calm.Length,
        };
        if (report.Failures().Any())
        {
            log("proxy log:\n" + cluster.Proxy.Log);
        }
        return report;
    }

    /// <summary>Injects one fault of <paramref name="kind"/> into <paramref name="pool"/> and returns once it has lifted (its end set).</summary>
    private static async Task<SoakFault> InjectAsync(SoakFaultKind kind, SoakPool pool, SoakCluster cluster, SoakChecker checker, Random random)
    {
        switch (kind)
        {
            case SoakFaultKind.KillRestart:
                {
                    var server = cluster.BaseServers(pool)[random.Next(3)];
                    var placement = pool.Current;
                    var down = random.Next(300, 1500);
                    var fault = checker.Begin(kind, pool.Name, new HashSet<string> { server }, $"down {down} ms", key => placement.OwnerOf(key) == server);
                    cluster.Kill(server);
                    await Task.Delay(down);
                    cluster.Restart(server);
                    fault.End = checker.Now + GraceMs;
                    return fault;
                }
            case SoakFaultKind.StopContinue:
                {
                    var server = cluster.BaseServers(pool)[random.Next(3)];
                    var stopped = random.Next(SoakCluster.TimeoutMs + 200, 2500);
                    var fault = checker.Begin(kind, pool.Name, new HashSet<string> { server }, $"stopped {stopped} ms", _ => false);
                    cluster.Signal(server, "STOP");
                    try
                    {
                        await Task.Delay(stopped);
                    }
                    finally
                    {
                        cluster.Signal(server, "CONT");
                    }
                    fault.End = checker.Now + GraceMs;
                    return fault;
                }
            case SoakFaultKind.Reload:
                {
                    var spare = cluster.Spare(pool);
                    var adding = !pool.Servers.Contains(spare);
                    List<(string Name, int Port)> servers = adding ? [.. pool.Servers, spare] : [.. pool.Servers.Where(s => s != spare)];
                    var (old, next) = pool.BeginChange(servers);
                    var fault = checker.Begin(kind, pool.Name, new HashSet<string> { spare.Name }, adding ? $"{spare.Name} added" : $"{spare.Name} removed",
                        key => old.OwnerOf(key) != next.OwnerOf(key));
                    await cluster.ReloadAsync(pool);
                    pool.EndChange();
                    fault.End = checker.Now + GraceMs;
                    return fault;
                }
            default:
                {
                    var before = await cluster.ReplicaSet.SentinelMasterPortAsync(SoakCluster.Group);
                    var fault = checker.Begin(kind, pool.Name, new HashSet<string> { SoakCluster.Group }, $"master was {before}", _ => true);
                    // SENTINEL FAILOVER is asked again until the sentinels name a new master: an accepted
                    // one can still abort (the demoted master of the last failover not yet seen as a
                    // good replica: -failover-abort-no-good-slave), and -INPROG / -NOGOODSLAVE come
                    // while the last one settles.
                    // Asked again only after an accepted one has surely ended (twice the sentinels'
                    // failover-timeout of 5 s), so a finished failover is never followed by another.
                    var askedAt = DateTime.MinValue;
                    var accepted = false;
                    await Poll.UntilAsync(async () =>
                    {
                        if (await cluster.ReplicaSet.SentinelMasterPortAsync(SoakCluster.Group) != before)
                        {
                            return "";
                        }
                        if (!accepted || DateTime.UtcNow - askedAt > TimeSpan.FromSeconds(12))
                        {
                            using var s = new RespConnection(cluster.ReplicaSet.Sentinels[0].Port);
                            accepted = await s.CallAsync("SENTINEL", "FAILOVER", SoakCluster.Group) == "+OK\r\n";
                            askedAt = DateTime.UtcNow;
                        }
                        return null;
                    }, TimeSpan.FromSeconds(90), "the sentinels name a new master");
                    // The proxy follows +switch-master at once; the grace covers its connections to the new master and the old one's demotion.
                    fault.End = checker.Now + 2 * GraceMs;
                    // Ready for the next failover only once every sentinel has seen the old master as a
                    // linked replica: one that still remembers it claiming the master role undoes its
                    // next promotion (see WaitSettledAsync).
                    if (await cluster.ReplicaSet.WaitSettledAsync(SoakCluster.Group) == before)
                    {
                        throw new InvalidOperationException($"the sentinels went back to {before} after naming a new master");
                    }
                    return fault;
                }
        }
    }

    private static async Task<SoakSample> SampleAsync(TestProxy proxy, double seconds)
    {
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{proxy.Pid}/status"))
        {
            if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        var (_, metrics) = await proxy.HttpGetAsync("/metrics");
        long Metric(string prefix) => metrics.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).FirstOrDefault();
        return new SoakSample(seconds, proxy.ResidentBytes(), Directory.GetFileSystemEntries($"/proc/{proxy.Pid}/fd").Length, threads,
            Metric("dotnet_gc_heap_bytes "), Metric("dotnet_gc_collections_total{generation=\"2\"}"));
    }

    /// <summary>Each pool's forward_error and its servers' requests, responses, in_queue and out_queue, from the stats port.</summary>
    private static async Task<Dictionary<string, Dictionary<string, long>>> CountersAsync(SoakCluster cluster)
    {
        using var stats = await cluster.StatsAsync();
        var result = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (var pool in cluster.Pools)
        {
            var element = stats.RootElement.GetProperty(pool.Name);
            var counters = new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["forward_error"] = element.GetProperty("forward_error").GetInt64(),
                ["client_connections"] = element.GetProperty("client_connections").GetInt64(),
            };
            foreach (var server in element.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object))
            {
                foreach (var name in new[] { "requests", "responses", "in_queue", "out_queue" })
                {
                    counters[server.Name + "." + name] = server.Value.GetProperty(name).GetInt64();
                }
            }
            result[pool.Name] = counters;
        }
        return result;
    }

    /// <summary>
    /// The counters after the run, against the baseline and the clients' own tally: no client left,
    /// nothing queued, every error the clients saw from the proxy counted once in forward_error,
    /// every forwarded request without a response among those errors, and the responses the
    /// servers gave no more than the answers the clients got (equal where no server left the pool:
    /// a removed server's counters leave the stats port with it).
    /// </summary>
    private static async Task<(List<string> Lines, List<string> Mismatches)> CheckCountersAsync(SoakCluster cluster, SoakChecker checker,
        Dictionary<string, Dictionary<string, long>> baseline)
    {
        var lines = new List<string>();
        var mismatches = new List<string>();
        var quiet = await Poll.EventuallyAsync(async () => (await CountersAsync(cluster)).Values.All(c => c["client_connections"] == 0), 15);
        var end = await CountersAsync(cluster);
        if (!quiet)
        {
            mismatches.Add("client_connections did not return to 0: " + string.Join(", ", end.Select(p => $"{p.Key} {p.Value["client_connections"]}")));
        }
        foreach (var pool in cluster.Pools)
        {
            var now = end[pool.Name];
            var before = baseline[pool.Name];
            long Delta(string name) => now[name] - before.GetValueOrDefault(name);
            var servers = now.Keys.Where(k => k.EndsWith(".requests", StringComparison.Ordinal)).Select(k => k[..^".requests".Length]).ToArray();
            var requests = servers.Sum(s => Delta(s + ".requests"));
            var responses = servers.Sum(s => Delta(s + ".responses"));
            var forwardError = Delta("forward_error");
            var proxyErrors = checker.Count(pool.Name + "/proxy errors");
            var answers = checker.Count(pool.Name + "/server answers");
            var queued = servers.Sum(s => now[s + ".in_queue"] + now[s + ".out_queue"]);
            lines.Add($"{pool.Name} ({string.Join(", ", servers)}): requests {requests}, responses {responses}, forward_error {forwardError}, in/out queue {queued}; clients saw {answers} server answers and {proxyErrors} proxy errors");
            // A reload removes a server's counters with it (a Sentinel failover does not: the demoted master keeps its own).
            var reloaded = checker.Faults.Any(f => f.Pool == pool.Name && f.Kind == SoakFaultKind.Reload);
            if (queued != 0)
            {
                mismatches.Add($"{pool.Name}: {queued} requests still queued after the run");
            }
            if (forwardError != proxyErrors)
            {
                mismatches.Add($"{pool.Name}: forward_error {forwardError} but the clients saw {proxyErrors} errors from the proxy");
            }
            if (requests - responses > forwardError)
            {
                mismatches.Add($"{pool.Name}: {requests - responses} forwarded requests without a response, only {forwardError} errors");
            }
            if (reloaded ? responses > answers : responses != answers)
            {
                mismatches.Add($"{pool.Name}: {responses} responses from servers, the clients got {answers} answers");
            }
        }
        return (lines, mismatches);
    }
}
