using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sharpcracker.IntegrationTests.Operations;

/// <summary>
/// Seeing routes (docs/routes.md) on a proxy with real memcached servers behind a listener that
/// routes: /metrics and the stats port count per route node and the counts move with requests
/// (hits, misses, shadow copies, a failover when the first pool's server is stopped); /api/status
/// lists the tree and the pools that serve routes only; /route and <c>--route</c> agree.
/// </summary>
public sealed partial class ConsoleRoutesSeenTests
{
    private static string Config(int cache, int gutter, int shadow, int listen) => $"""
        cache:
          timeout: 2000
          servers:
            - 127.0.0.1:{cache}:1 c1
        gutter:
          servers:
            - 127.0.0.1:{gutter}:1 g1
        sh:
          servers:
            - 127.0.0.1:{shadow}:1 s1
        front:
          listen: 127.0.0.1:{listen}
          route:
            prefix:
              "s:": {"{"}shadow: sh, primary: cache{"}"}
            default:
              failover: [cache, gutter]
              failover_errors: [connect, timeout]

        """;

    private const string Failover = "route.default:failover";
    private const string Shadow = "route.prefix[\\\"s:\\\"]:shadow";

    /// <summary>One sample of /metrics, by its exact name and labels; null when absent.</summary>
    private static long? Sample(string metrics, string name, string node)
    {
        var match = Regex.Match(metrics, $"^{Regex.Escape(name)}\\{{pool=\"front\",node=\"{Regex.Escape(node)}\",kind=\"[a-z_]+\"\\}} (\\d+)$", RegexOptions.Multiline);
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private static async Task<string> MetricsAsync(int port)
    {
        var (status, body) = await ConsoleKit.GetAsync(port, "/metrics");
        Assert.Equal(200, status);
        return body;
    }

    /// <summary>Waits (bounded) until every sample has the value given.</summary>
    private static Task<string> WaitMetricsAsync(int port, params (string Name, string Node, long Value)[] expected)
        => Poll.UntilAsync(async () =>
        {
            var metrics = await MetricsAsync(port);
            return expected.All(e => Sample(metrics, e.Name, e.Node) == e.Value) ? metrics : null;
        }, TimeSpan.FromSeconds(30), "route counters " + string.Join(", ", expected.Select(e => $"{e.Name}{{{e.Node}}}={e.Value}")));

    [Fact]
    public async Task Metrics_CountPerRouteNode_AndMoveWithRequests()
    {
        var cache = ExternalProcess.StartMemcached();
        using var gutter = ExternalProcess.StartMemcached();
        using var shadow = ExternalProcess.StartMemcached();
        try
        {
            var listen = FreePort.Next();
            using var proxy = TestProxy.StartProcess(Config(cache.Port, gutter.Port, shadow.Port, listen), listen, metrics: true);
            proxy.WaitListening(proxy.MetricsPort);

            // Before any request: every counting node is listed at 0; prefix nodes and the pools a terminal lists are not.
            var before = await MetricsAsync(proxy.MetricsPort);
            Assert.Equal(0, Sample(before, "sharpcracker_route_requests_total", Failover));
            Assert.Equal(0, Sample(before, "sharpcracker_route_shadow_sent_total", Shadow));
            Assert.Null(Sample(before, "sharpcracker_route_requests_total", "route:prefix"));
            Assert.Null(Sample(before, "sharpcracker_route_requests_total", Failover + ".normal[0]:cache"));
            Assert.Null(Sample(before, "sharpcracker_route_requests_total", Shadow)); // a shadow node counts copies only

            using (var client = new McConnection(listen))
            {
                Assert.Equal("STORED\r\n", await client.RoundTripAsync("set k 0 0 1\r\nv\r\n", "STORED\r\n"));
                Assert.Equal("VALUE k 0 1\r\nv\r\nEND\r\n", await client.RoundTripAsync("get k\r\n", "VALUE k 0 1\r\nv\r\nEND\r\n"));
                Assert.Equal("END\r\n", await client.RoundTripAsync("get absent\r\n", "END\r\n"));
                Assert.Equal("END\r\n", await client.RoundTripAsync("get s:1\r\n", "END\r\n"));
            }
            await WaitMetricsAsync(proxy.MetricsPort,
                ("sharpcracker_route_requests_total", Failover, 3),
                ("sharpcracker_route_hits_total", Failover, 1),
                ("sharpcracker_route_misses_total", Failover, 1),
                ("sharpcracker_route_failovers_total", Failover, 0),
                ("sharpcracker_route_shadow_sent_total", Shadow, 1),
                ("sharpcracker_route_requests_total", "route.prefix[\\\"s:\\\"].primary:cache", 1));

            // The stats port carries the same counters, flat in the listener's object.
            var stats = JsonDocument.Parse(await proxy.ReadStatsAsync()).RootElement;
            Assert.Equal(3, stats.GetProperty("front").GetProperty(Failover + " requests").GetInt64());
            Assert.Equal(1, stats.GetProperty("front").GetProperty("route.prefix[\"s:\"]:shadow shadow_sent").GetInt64());

            // The first pool's only server stops: a get fails over to the gutter and is counted there.
            cache.Dispose();
            using (var client = new McConnection(listen))
            {
                Assert.Equal("END\r\n", await client.RoundTripAsync("get k\r\n", "END\r\n")); // the gutter never had k
            }
            var after = await WaitMetricsAsync(proxy.MetricsPort,
                ("sharpcracker_route_requests_total", Failover, 4),
                ("sharpcracker_route_failovers_total", Failover, 1),
                ("sharpcracker_route_misses_total", Failover, 2),
                ("sharpcracker_route_errors_total", Failover, 0));
            Assert.Contains("sharpcracker_server_state{pool=\"cache\",server=\"c1\",state=\"up\"} 0", after);
        }
        finally
        {
            cache.Dispose();
        }
    }

    [Fact]
    public async Task Status_ListsTheTreeAndTheRouteOnlyPools_AndRouteAgreesOfflineAndLive()
    {
        using var cache = ExternalProcess.StartMemcached();
        using var gutter = ExternalProcess.StartMemcached();
        using var shadow = ExternalProcess.StartMemcached();
        var listen = FreePort.Next();
        using var proxy = TestProxy.StartProcess(Config(cache.Port, gutter.Port, shadow.Port, listen), listen, metrics: true);
        proxy.WaitListening(proxy.MetricsPort);
        using (var client = new McConnection(listen))
        {
            Assert.Equal("END\r\n", await client.RoundTripAsync("get s:2\r\n", "END\r\n"));
        }

        var body = await Poll.UntilAsync(async () =>
        {
            var (_, text) = await ConsoleKit.GetAsync(proxy.MetricsPort, "/api/status");
            var f = JsonDocument.Parse(text).RootElement.GetProperty("pools").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "front");
            return f.GetProperty("route").GetProperty("root").GetProperty("totals").GetProperty("requests").GetInt64() == 1 ? text : null;
        }, TimeSpan.FromSeconds(30), "the status JSON's route totals never counted the get");
        var pools = JsonDocument.Parse(body).RootElement.GetProperty("pools").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        // The listener first, then the pools without listen.
        Assert.Equal("front", pools.Keys.First());
        Assert.Equal(["cache", "gutter", "sh"], pools.Keys.Skip(1).Order());
        foreach (var name in new[] { "cache", "gutter", "sh" })
        {
            Assert.True(pools[name].GetProperty("routes_only").GetBoolean());
            Assert.Equal("", pools[name].GetProperty("listen").GetString());
            Assert.True(pools[name].GetProperty("ready").GetBoolean(), pools[name].GetProperty("ready_reason").GetString());
            Assert.Single(pools[name].GetProperty("servers").EnumerateArray());
        }
        var front = pools["front"];
        Assert.False(front.GetProperty("routes_only").GetBoolean());
        Assert.True(front.GetProperty("ready").GetBoolean(), front.GetProperty("ready_reason").GetString());
        var root = front.GetProperty("route").GetProperty("root");
        Assert.Equal("prefix", root.GetProperty("kind").GetString());
        var children = root.GetProperty("children").EnumerateArray().ToList();
        Assert.Equal(["\"s:\"", "default"], children.Select(c => c.GetProperty("label").GetString()));
        var shadowNode = children[0];
        Assert.Equal("shadow", shadowNode.GetProperty("kind").GetString());
        Assert.Equal("sh", shadowNode.GetProperty("shadow").GetString());
        Assert.Equal(1, shadowNode.GetProperty("counters").GetProperty("shadow_sent").GetInt64());
        var primary = shadowNode.GetProperty("children")[0];
        Assert.Equal(("primary", "cache", 1L), (primary.GetProperty("label").GetString(), primary.GetProperty("pool").GetString(), primary.GetProperty("counters").GetProperty("misses").GetInt64()));
        var failover = children[1];
        Assert.Equal("failover", failover.GetProperty("kind").GetString());
        Assert.Equal(["cache", "gutter"], failover.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("pool").GetString()));
        Assert.All(failover.GetProperty("children").EnumerateArray(), c => Assert.False(c.GetProperty("counted").GetBoolean()));

        var (readyCode, ready) = await ConsoleKit.GetAsync(proxy.MetricsPort, "/ready");
        Assert.True(readyCode == 200, ready);
        Assert.Contains("pool sh: ready: serves routes only;", ready);

        // /route: the whole decision; the listener is the default pool (the only one that listens).
        var (code, live) = await ConsoleKit.GetAsync(proxy.MetricsPort, "/route?key=s%3A2&format=text");
        Assert.True(code == 200, live);
        Assert.Contains("path: route:prefix -> \"s:\" -> shadow -> primary -> pool cache\n", live);
        Assert.Contains($"1. cache (pool): server c1 127.0.0.1:{cache.Port} (index 0), up  <- now\n", live);
        Assert.Contains($"a copy goes to pool sh, server s1 127.0.0.1:{shadow.Port} (index 0), up", live);
        var (badCode, bad) = await ConsoleKit.GetAsync(proxy.MetricsPort, "/route?key=x&op=fetch");
        Assert.Equal(400, badCode);
        Assert.Contains("op 'fetch' is not one of get, update, delete, other", bad);

        // --route from the file alone says the same, every server in service.
        var conf = Path.Combine(proxy.Directory.FullName, "nutcracker.yml");
        foreach (var key in new[] { "s:2", "user:1" })
        {
            var offline = await RunAsync(["--route", key, "-c", conf]);
            var (_, fromProxy) = await ConsoleKit.GetAsync(proxy.MetricsPort, $"/route?pool=front&key={Uri.EscapeDataString(key)}&format=text");
            Assert.Equal(fromProxy, offline.Replace("offline: from the configuration, every server in service\n", ""));
        }
        var one = await RunAsync(["--route", "user:1", "--route-op", "update", "-c", conf, "--pool", "front"]);
        Assert.Contains("operation: update\npath: route:prefix -> default -> failover\n", one);
        var plain = await RunAsync(["--route", "user:1", "-c", conf, "--pool", "gutter"]);
        Assert.StartsWith("pool gutter (memcached, no listen: serves routes only)\n", plain);
    }

    [Fact]
    public async Task Ready_FollowsTheRoutes_AShadowPoolNeverMattersAndAReplicatedRouteNeedsItsWritePolicy()
    {
        using var cache = ExternalProcess.StartMemcached();
        var gutter = ExternalProcess.StartMemcached();
        var shadow = ExternalProcess.StartMemcached();
        try
        {
            var listen = FreePort.Next();
            var yaml = $"""
                cache:
                  servers:
                    - 127.0.0.1:{cache.Port}:1 c1
                gutter:
                  servers:
                    - 127.0.0.1:{gutter.Port}:1 g1
                sh:
                  servers:
                    - 127.0.0.1:{shadow.Port}:1 s1
                front:
                  listen: 127.0.0.1:{listen}
                  route:
                    prefix:
                      "s:": {"{"}shadow: sh, primary: cache{"}"}
                      "r:": {"{"}replicated: [cache, gutter, sh], write_policy: majority{"}"}
                    default: cache

                """;
            using var proxy = TestProxy.StartProcess(yaml, listen, metrics: true);
            proxy.WaitListening(proxy.MetricsPort);
            Assert.Contains("pool front: ready: routes:", await ConsoleKit.WaitReadyAsync(proxy.MetricsPort, 200));

            // The shadow pool's server stops and fails: the listener stays ready (2 of 3 replicas are enough for majority).
            shadow.Dispose();
            await FailAsync(proxy.MetricsPort, listen, "sh", "s1", "set r:1 0 0 1\r\nv\r\n");
            var ready = await ConsoleKit.WaitReadyAsync(proxy.MetricsPort, 200, "pool sh: not ready: serves routes only;");
            Assert.Contains("pool front: ready: routes:", ready);

            // A second replica fails: one of three is below the majority.
            gutter.Dispose();
            await FailAsync(proxy.MetricsPort, listen, "gutter", "g1", "set r:2 0 0 1\r\nv\r\n");
            var notReady = await ConsoleKit.WaitReadyAsync(proxy.MetricsPort, 503, "pool front: not ready:");
            Assert.Contains("pool front: not ready: routes: route.prefix[\"r:\"]:replicated: pool gutter: ", notReady);
            Assert.DoesNotContain("route.prefix[\"s:\"]", notReady); // the shadow's primary (cache) is up
        }
        finally
        {
            gutter.Dispose();
            shadow.Dispose();
        }
    }

    [Fact]
    public async Task Route_NamesThePoolThatAnswers_ReplicatedReadStartAndFailoverPastAnEjectedPool()
    {
        using var r0 = ExternalProcess.StartMemcached();
        using var r1 = ExternalProcess.StartMemcached();
        using var r2 = ExternalProcess.StartMemcached();
        int[] backends = [r0.Port, r1.Port, r2.Port];
        var (replicated, failover, dead) = (FreePort.Next(), FreePort.Next(), FreePort.Next()); // nothing listens on dead
        var yaml = $"""
            p0:
              servers:
                - 127.0.0.1:{r0.Port}:1 a
            p1:
              servers:
                - 127.0.0.1:{r1.Port}:1 b
            p2:
              servers:
                - 127.0.0.1:{r2.Port}:1 c
            gone:
              auto_eject_hosts: true
              server_failure_limit: 1
              server_retry_timeout: 600000
              servers:
                - 127.0.0.1:{dead}:1 d
            rep:
              listen: 127.0.0.1:{replicated}
              route: {"{"}replicated: [p0, p1, p2]{"}"}
            fo:
              listen: 127.0.0.1:{failover}
              route: {"{"}failover: [gone, p1]{"}"}

            """;
        using var proxy = TestProxy.StartProcess(yaml, replicated, metrics: true);
        proxy.WaitListening(proxy.MetricsPort);
        proxy.WaitListening(failover);

        // Each backend holds its own value for the key: the one a get returns names the replica it read.
        var starts = new HashSet<string>();
        for (var i = 0; i < 12; i++)
        {
            var key = $"rk{i}";
            for (var b = 0; b < backends.Length; b++)
            {
                await LiveConfig.LiveConfigKit.SetThroughAsync(backends[b], key, $"p{b}");
            }
            var answer = await ConsoleKit.JsonAsync(proxy.MetricsPort, $"/route?pool=rep&key={key}");
            var decision = answer.GetProperty("decisions")[0];
            var now = decision.GetProperty("now").GetString();
            Assert.Equal($"p{decision.GetProperty("read_starts_at").GetInt32()}", now);
            starts.Add(now!);
            using var client = new McConnection(replicated);
            Assert.Equal($"VALUE {key} 0 2\r\n{now}\r\nEND\r\n", await client.RoundTripAsync($"get {key}\r\n", $"VALUE {key} 0 2\r\n{now}\r\nEND\r\n"));
        }

        Assert.True(starts.Count >= 2, "every key started at " + string.Join(", ", starts));

        // The first pool's only server is refused once and ejected: /route says the gutter takes the key now, and it does.
        await LiveConfig.LiveConfigKit.SetThroughAsync(r1.Port, "fk", "gt");
        var before = await ConsoleKit.JsonAsync(proxy.MetricsPort, "/route?pool=fo&key=fk");
        Assert.Equal("gone", before.GetProperty("decisions")[0].GetProperty("now").GetString());
        using (var client = new McConnection(failover))
        {
            Assert.Equal("VALUE fk 0 2\r\ngt\r\nEND\r\n", await client.RoundTripAsync("get fk\r\n", "VALUE fk 0 2\r\ngt\r\nEND\r\n"));
        }
        await ConsoleKit.WaitStateAsync(proxy.MetricsPort, "gone", "d", "ejected");
        var (_, text) = await ConsoleKit.GetAsync(proxy.MetricsPort, "/route?pool=fo&key=fk&format=text");
        Assert.Contains("1. gone (normal): no server available (with every server in service: d)  skipped now (no server)\n", text);
        Assert.Contains($"2. p1 (failover): server b 127.0.0.1:{r1.Port} (index 0), up  <- now\n", text);
        using (var client = new McConnection(failover))
        {
            Assert.Equal("VALUE fk 0 2\r\ngt\r\nEND\r\n", await client.RoundTripAsync("get fk\r\n", "VALUE fk 0 2\r\ngt\r\nEND\r\n"));
        }
    }

    [Fact]
    public async Task KeysNoPrefixTakes_AreCountedOnTheNoneNode_FromEveryWorker()
    {
        using var cache = ExternalProcess.StartMemcached();
        var listen = FreePort.Next();
        var yaml = $"""
            cache:
              servers:
                - 127.0.0.1:{cache.Port}:1 c1
            front:
              listen: 127.0.0.1:{listen}
              route:
                prefix:
                  "u:": cache

            """;
        using var proxy = TestProxy.StartProcess(yaml, listen, metrics: true, "--threads", "4");
        proxy.WaitListening(proxy.MetricsPort);
        // Eight clients open at once are spread over the four workers; each counts on its own line.
        var clients = Enumerable.Range(0, 8).Select(_ => new McConnection(listen)).ToList();
        try
        {
            foreach (var client in clients)
            {
                Assert.Equal("SERVER_ERROR no route for key\r\n", await client.RoundTripAsync("delete other\r\n", "SERVER_ERROR no route for key\r\n"));
                Assert.Equal("END\r\n", await client.RoundTripAsync("get u:1\r\n", "END\r\n"));
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
        await WaitMetricsAsync(proxy.MetricsPort,
            ("sharpcracker_route_requests_total", "route.default:none", 8),
            ("sharpcracker_route_errors_total", "route.default:none", 8),
            ("sharpcracker_route_requests_total", "route.prefix[\\\"u:\\\"]:cache", 8));
    }

    /// <summary>Sends <paramref name="request"/> through the listener until the server's state is no longer up (bounded).</summary>
    private static Task FailAsync(int metricsPort, int listen, string pool, string server, string request)
        => Poll.UntilAsync(async () =>
        {
            using (var client = new McConnection(listen))
            {
                await client.SendAsync(request);
                await client.ReadLineAsync(); // STORED (the policy met) or SERVER_ERROR
            }
            var state = await ConsoleKit.ServerStateAsync(metricsPort, pool, server);
            return state == "up" ? null : state;
        }, TimeSpan.FromSeconds(30), $"{pool} {server} never left up");

    /// <summary>sharpcracker with <paramref name="args"/>, bounded; its stdout (exit code 0 required).</summary>
    private static async Task<string> RunAsync(string[] args)
    {
        using var process = Process.Start(SharpcrackerExecutable.StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        return await stdout;
    }
}
