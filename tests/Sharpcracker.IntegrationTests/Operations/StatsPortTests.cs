using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.IntegrationTests.Operations;

/// <summary>
/// Known traffic (including a refused server, a split multi-get and a reset client) through two
/// pools of the real executable; the stats port, /metrics and the memcached "stats" command must
/// report exactly the counters that traffic implies.
/// </summary>
public sealed class StatsPortTests
{
    /// <summary>A key that ketama (fnv1a_64) over servers named s0 and s1 puts on <paramref name="serverIndex"/>.</summary>
    private static string KeyOn(int serverIndex, string prefix, int skip = 0)
    {
        var router = new KeyRouter(HashKind.Fnv1a_64, HashTag.None, DistributionKind.Ketama, [new(0, "s0", 1), new(1, "s1", 1)]);
        for (var i = 0; ; i++)
        {
            var key = prefix + i;
            if (router.Route(Encoding.ASCII.GetBytes(key)) == serverIndex && skip-- == 0)
            {
                return key;
            }
        }
    }

    private static Dictionary<string, long> Flatten(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = new Dictionary<string, long>();
        foreach (var top in doc.RootElement.EnumerateObject())
        {
            if (top.Value.ValueKind == JsonValueKind.Number)
            {
                result[top.Name] = top.Value.GetInt64();
            }
            else if (top.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in top.Value.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.Number)
                    {
                        result[$"{top.Name}.{p.Name}"] = p.Value.GetInt64();
                    }
                    else
                    {
                        foreach (var s in p.Value.EnumerateObject())
                        {
                            result[$"{top.Name}.{p.Name}.{s.Name}"] = s.Value.GetInt64();
                        }
                    }
                }
            }
        }
        return result;
    }

    [Fact]
    public async Task KnownTraffic_GivesExactCountersOnStatsPortMetricsAndStatsCommand()
    {
        using var live = ExternalProcess.StartMemcached();
        var refused = FreePort.Next(); // nothing listens there: every connect is refused
        var alphaPort = FreePort.Next();
        var betaPort = FreePort.Next();
        var yaml = $"""
            alpha:
              listen: 127.0.0.1:{alphaPort}
              servers:
                - 127.0.0.1:{refused}:1 s1
                - 127.0.0.1:{live.Port}:1 s0
            beta:
              listen: 127.0.0.1:{betaPort}
              servers:
                - 127.0.0.1:{live.Port}:1 b1

            """;
        using var proxy = TestProxy.StartProcess(yaml, null, metrics: true, "-v", "4");
        proxy.WaitListening(alphaPort);
        proxy.WaitListening(betaPort);
        proxy.WaitListening(proxy.StatsPort);
        proxy.WaitListening(proxy.MetricsPort);

        // beta: four commands of four classes to b1, answered; then a normal close.
        using (var beta = new McConnection(betaPort))
        {
            Assert.Equal("STORED\r\n", await beta.RoundTripAsync("set k 0 0 5\r\nhello\r\n", "STORED\r\n"));
            Assert.Equal("VALUE k 0 5\r\nhello\r\nEND\r\n", await beta.RoundTripAsync("get k\r\n", "VALUE k 0 5\r\nhello\r\nEND\r\n"));
            Assert.Equal("DELETED\r\n", await beta.RoundTripAsync("delete k\r\n", "DELETED\r\n"));
            Assert.Equal("NOT_FOUND\r\n", await beta.RoundTripAsync("incr n 1\r\n", "NOT_FOUND\r\n"));
        }
        const long betaRequestBytes = 20 + 7 + 10 + 10; // "set k 0 0 5\r\nhello\r\n", "get k\r\n", "delete k\r\n", "incr n 1\r\n"
        const long betaResponseBytes = 8 + 25 + 9 + 11;

        // alpha: three gets to the refused s1 (connect attempts until the back-off starts), a multi-get split over
        // s0 and s1 (two fragments, the s1 one fails), and a set on s0.
        var dead = Enumerable.Range(0, 4).Select(i => KeyOn(1, "dead", i)).ToArray();
        var liveKeys = Enumerable.Range(0, 2).Select(i => KeyOn(0, "live", i)).ToArray();
        const string refusedReply = "SERVER_ERROR Connection refused\r\n";
        long s1Bytes = 0, s0Bytes = 0;
        using (var alpha = new McConnection(alphaPort))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(refusedReply, await alpha.RoundTripAsync($"get {dead[i]}\r\n", refusedReply));
                s1Bytes += $"get {dead[i]}\r\n".Length;
            }
            Assert.Equal(refusedReply, await alpha.RoundTripAsync($"get {liveKeys[0]} {dead[3]}\r\n", refusedReply));
            s0Bytes += $"get {liveKeys[0]}\r\n".Length;
            s1Bytes += $"get {dead[3]}\r\n".Length;
            Assert.Equal("STORED\r\n", await alpha.RoundTripAsync($"set {liveKeys[1]} 0 0 3\r\nabc\r\n", "STORED\r\n"));
            s0Bytes += $"set {liveKeys[1]} 0 0 3\r\nabc\r\n".Length;
        }
        // A client that resets its connection: client_err.
        using (var reset = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            reset.Connect("127.0.0.1", alphaPort);
            using (var probe = new NetworkStream(reset, ownsSocket: false))
            {
                await probe.WriteAsync("stats\r\n"u8.ToArray());
                var seen = new StringBuilder();
                var buffer = new byte[4096];
                while (!seen.ToString().EndsWith("END\r\n", StringComparison.Ordinal))
                {
                    var n = await probe.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
                    Assert.True(n > 0, "stats reply cut short");
                    seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
            }
            reset.LingerState = new LingerOption(true, 0);
            reset.Close();
        }

        var expected = new Dictionary<string, long>
        {
            // WaitListening opened and closed one client per pool: it counts (accepted, eof) like any client.
            ["total_connections"] = 2 + (3 + 2) + 2, // listeners + clients accepted + server connections opened
            ["curr_connections"] = 2 + 0 + 2,
            ["alpha.client_eof"] = 2,
            ["alpha.client_err"] = 1,
            ["alpha.client_connections"] = 0,
            ["alpha.server_ejects"] = 0,
            ["alpha.forward_error"] = 4,
            ["alpha.fragments"] = 2,
            ["alpha.s0.server_eof"] = 0,
            ["alpha.s0.server_err"] = 0,
            ["alpha.s0.server_connections"] = 1,
            ["alpha.s0.requests"] = 2,
            ["alpha.s0.request_bytes"] = s0Bytes,
            ["alpha.s0.responses"] = 2,
            ["alpha.s0.response_bytes"] = 5 + 8, // "END\r\n" (miss), "STORED\r\n"
            ["alpha.s0.in_queue"] = 0,
            ["alpha.s0.out_queue"] = 0,
            ["alpha.s1.server_eof"] = 0,
            ["alpha.s1.server_timedout"] = 0,
            ["alpha.s1.server_connections"] = 0,
            ["alpha.s1.server_ejected_at"] = 0,
            ["alpha.s1.responses"] = 0,
            ["alpha.s1.response_bytes"] = 0,
            ["alpha.s1.in_queue"] = 0,
            ["alpha.s1.in_queue_bytes"] = 0,
            ["alpha.s1.out_queue"] = 0,
            ["alpha.s1.out_queue_bytes"] = 0,
            ["beta.client_eof"] = 2,
            ["beta.client_err"] = 0,
            ["beta.client_connections"] = 0,
            ["beta.forward_error"] = 0,
            ["beta.fragments"] = 0,
            ["beta.b1.server_connections"] = 1,
            ["beta.b1.requests"] = 4,
            ["beta.b1.request_bytes"] = betaRequestBytes,
            ["beta.b1.responses"] = 4,
            ["beta.b1.response_bytes"] = betaResponseBytes,
            ["beta.b1.server_err"] = 0,
            ["beta.b1.out_queue_bytes"] = 0,
        };
        string json = "";
        Dictionary<string, long> actual = [];
        bool Matches() => expected.All(e => actual.TryGetValue(e.Key, out var v) && v == e.Value);
        // Counters settle asynchronously (a closed client is counted when its session ends).
        await Poll.EventuallyAsync(async () =>
        {
            json = await proxy.ReadStatsAsync();
            actual = Flatten(json);
            return Matches();
        });
        foreach (var (key, value) in expected)
        {
            Assert.True(actual.TryGetValue(key, out var got), $"missing {key} in {json}");
            Assert.True(value == got, $"{key}: expected {value}, got {got}; document: {json}");
        }
        // s1 refuses: after its second failed connect the proxy backs off (docs/operations.md) and
        // fails requests without forwarding them, so how many of the four reached a connect
        // attempt depends on timing. Each attempt carried exactly one request and failed once.
        var s1Requests = actual["alpha.s1.requests"];
        Assert.InRange(s1Requests, 1, 4);
        Assert.Equal(s1Requests, actual["alpha.s1.server_err"]);
        Assert.InRange(actual["alpha.s1.request_bytes"], 1, s1Bytes);

        // The document: twemproxy's key order at every level; pools and servers in twemproxy's name order (shorter first).
        using (var doc = JsonDocument.Parse(json))
        {
            var root = doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal([.. TwemproxyStatsKeys.Top, "beta", "alpha"], root);
            Assert.Equal("sharpcracker", doc.RootElement.GetProperty("service").GetString());
            var alphaKeys = doc.RootElement.GetProperty("alpha").EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal([.. TwemproxyStatsKeys.Pool, "s0", "s1"], alphaKeys);
            Assert.Equal(TwemproxyStatsKeys.Server, doc.RootElement.GetProperty("alpha").GetProperty("s1").EnumerateObject().Select(p => p.Name).ToArray());
        }
        Assert.EndsWith("}\n", json);

        // /metrics: the same counters with labels, latency histograms per class, process metrics.
        var (status, metrics) = await proxy.HttpGetAsync("/metrics");
        Assert.Equal(200, status);
        var lines = metrics.Split('\n').ToHashSet();
        foreach (var line in new[]
        {
            "sharpcracker_requests_total{pool=\"beta\",server=\"b1\"} 4",
            $"sharpcracker_request_bytes_total{{pool=\"beta\",server=\"b1\"}} {betaRequestBytes}",
            $"sharpcracker_response_bytes_total{{pool=\"beta\",server=\"b1\"}} {betaResponseBytes}",
            $"sharpcracker_requests_total{{pool=\"alpha\",server=\"s1\"}} {s1Requests}",
            "sharpcracker_responses_total{pool=\"alpha\",server=\"s1\"} 0",
            $"sharpcracker_server_err_total{{pool=\"alpha\",server=\"s1\"}} {s1Requests}",
            "sharpcracker_server_connections{pool=\"alpha\",server=\"s0\"} 1",
            "sharpcracker_fragments_total{pool=\"alpha\"} 2",
            "sharpcracker_forward_error_total{pool=\"alpha\"} 4",
            "sharpcracker_client_err_total{pool=\"alpha\"} 1",
            "sharpcracker_client_eof_total{pool=\"beta\"} 2",
            "sharpcracker_server_request_duration_seconds_count{pool=\"beta\",server=\"b1\",command=\"storage\"} 1",
            "sharpcracker_server_request_duration_seconds_count{pool=\"beta\",server=\"b1\",command=\"retrieval\"} 1",
            "sharpcracker_server_request_duration_seconds_count{pool=\"beta\",server=\"b1\",command=\"delete\"} 1",
            "sharpcracker_server_request_duration_seconds_count{pool=\"beta\",server=\"b1\",command=\"arithmetic\"} 1",
            "sharpcracker_server_request_duration_seconds_count{pool=\"beta\",server=\"b1\",command=\"other\"} 0",
            "sharpcracker_server_request_duration_seconds_count{pool=\"alpha\",server=\"s1\",command=\"retrieval\"} 0",
            "sharpcracker_server_request_duration_seconds_bucket{pool=\"beta\",server=\"b1\",command=\"storage\",le=\"+Inf\"} 1",
            "sharpcracker_request_duration_seconds_count{pool=\"alpha\",command=\"retrieval\"} 1",
            "sharpcracker_request_duration_seconds_count{pool=\"alpha\",command=\"storage\"} 1",
            "sharpcracker_request_duration_seconds_count{pool=\"beta\",command=\"storage\"} 1",
        })
        {
            Assert.True(lines.Contains(line), $"missing line: {line}\n{metrics}");
        }
        // Buckets are cumulative: non-decreasing, ending at the count.
        var buckets = Regex.Matches(metrics, "^sharpcracker_server_request_duration_seconds_bucket\\{pool=\"beta\",server=\"b1\",command=\"retrieval\",le=\"[^\"]+\"\\} (\\d+)$", RegexOptions.Multiline)
            .Select(m => long.Parse(m.Groups[1].Value)).ToArray();
        Assert.Equal(20, buckets.Length);
        Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.First <= p.Second));
        Assert.Equal(1, buckets[^1]);
        Assert.Matches(new Regex("^process_cpu_seconds_total [0-9.eE+-]+$", RegexOptions.Multiline), metrics);
        Assert.Matches(new Regex("^dotnet_gc_allocated_bytes_total \\d+$", RegexOptions.Multiline), metrics);
        Assert.Equal(404, (await proxy.HttpGetAsync("/nothing")).Status);

        // memcached "stats" on beta: the pool's proxy view.
        using (var beta = new McConnection(betaPort))
        {
            await beta.SendAsync("stats\r\n");
            var stats = new List<string>();
            for (var line = await beta.ReadLineAsync(); line != "END"; line = await beta.ReadLineAsync())
            {
                stats.Add(line);
            }
            Assert.Contains("STAT client_eof 2", stats);
            Assert.Contains("STAT server_0_name b1", stats);
            Assert.Contains("STAT server_0_requests 4", stats);
            Assert.Contains($"STAT server_0_response_bytes {betaResponseBytes}", stats);
            Assert.All(stats, l => Assert.Matches(@"^STAT [a-z0-9_]+ \S+$", l));
        }
    }

    /// <summary>Normalises a stats document to its shape: every value replaced, keys and separators kept.</summary>
    private static string Shape(string json)
        => Regex.Replace(Regex.Replace(json, "(\"(service|source|version)\":)\"[^\"]*\"", "$1\"S\""), ":\\d+", ":0");

    [Fact]
    public async Task Document_HasNutcrackersExactLayoutAndKeyOrder()
    {
        using var live = ExternalProcess.StartMemcached();
        var yaml = (int a, int b) => $"""
            zeta:
              listen: 127.0.0.1:{a}
              servers:
                - 127.0.0.1:{live.Port}:1 z1
            alpha:
              listen: 127.0.0.1:{b}
              servers:
                - 127.0.0.1:{live.Port}:1 second
                - 127.0.0.1:{live.Port + 1}:1 first

            """;
        var (ncA, ncB, ncStats) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var ncConf = Path.Combine(Path.GetTempPath(), $"nc-ops-{ncStats}.yml");
        File.WriteAllText(ncConf, yaml(ncA, ncB));
        try
        {
            using var nutcracker = ExternalProcess.Start("nutcracker", ["-c", ncConf, "-s", ncStats.ToString(), "-a", "127.0.0.1", "-i", "100", "-o", "/dev/null"], ncStats);
            var theirs = await TestProxy.ReadStatsAsync(ncStats);

            var (scA, scB) = (FreePort.Next(), FreePort.Next());
            using var proxy = TestProxy.StartProcess(yaml(scA, scB), null, metrics: false);
            proxy.WaitListening(scA);
            proxy.WaitListening(proxy.StatsPort);
            var ours = await proxy.ReadStatsAsync();

            Assert.StartsWith("{\"service\":\"nutcracker\"", theirs);
            Assert.Equal(Shape(theirs), Shape(ours));
            using var a = JsonDocument.Parse(theirs);
            using var b = JsonDocument.Parse(ours);
            Assert.Equal(Names(a.RootElement), Names(b.RootElement));
        }
        finally
        {
            File.Delete(ncConf);
        }
    }

    /// <summary>Every key path in document order.</summary>
    private static List<string> Names(JsonElement element, string prefix = "")
    {
        var names = new List<string>();
        foreach (var p in element.EnumerateObject())
        {
            names.Add(prefix + p.Name);
            if (p.Value.ValueKind == JsonValueKind.Object)
            {
                names.AddRange(Names(p.Value, prefix + p.Name + "."));
            }
        }
        return names;
    }
}
