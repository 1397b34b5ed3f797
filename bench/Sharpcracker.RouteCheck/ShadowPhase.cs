using System.Globalization;
using System.Text.Json;
using Sharpcracker.Testing;

namespace Sharpcracker.RouteCheck;

/// <summary>
/// The cost of shadow traffic to the primary. One sharpcracker process with three listeners over the
/// same two primary memcached servers: "plain" (a pool with its own listener, no shadow), "routed"
/// (<c>route: main</c>: the route layer, no shadow) and "front" (<c>{shadow: sh, shadow_fraction:
/// 1.0, primary: main}</c>, every key also sent to a one-server shadow pool). Closed-loop load
/// (half sets, half gets) on each in interleaved rounds: plain, routed, shadow healthy, slow
/// (stopped 45 ms of every 50) and SIGSTOPped; then one run with the shadow dead (SIGKILLed).
/// Medians of throughput and p99; the proxy's RSS.
/// </summary>
internal sealed class ShadowPhase(RouteCheckOptions options)
{
    private const int Keys = 10000;

    public string Run()
    {
        var primaries = new List<ChildProcess>();
        ChildProcess? shadow = null;
        try
        {
            primaries.Add(ChildProcess.StartMemcached("m1", FreePort.Next()));
            primaries.Add(ChildProcess.StartMemcached("m2", FreePort.Next()));
            shadow = ChildProcess.StartMemcached("sh", FreePort.Next());
            var plainPort = FreePort.Next();
            var frontPort = FreePort.Next();
            var routedPort = FreePort.Next();
            var metricsPort = FreePort.Next();
            var ports = primaries.Select(p => p.Port).ToArray();
            var yaml = Yaml.Pool("plain", plainPort, ports, Yaml.Ketama)
                + Yaml.Pool("main", 0, ports, Yaml.Ketama)
                + Yaml.Pool("sh", 0, [shadow.Port], "timeout: 400")
                + Yaml.Front("front", frontPort, "shadow: sh", "shadow_fraction: 1.0", "primary: main")
                + Yaml.FrontToPool("routed", routedPort, "main");
            var header = $"""
                ## 3. Shadow traffic

                Primary pool: 2 memcached (ketama); shadow pool `sh`: 1 memcached; `{"{"}shadow: sh, shadow_fraction: 1.0, primary: main{"}"}`.
                One proxy process, three listeners over the same primary servers: `plain` (a pool, no route), `routed` (`route: main`, the route layer without a shadow) and `front` (the shadow route).
                Closed loop, {options.LoadConnections} connections, one request at a time each, half sets (100 B) half gets over {Keys} keys,
                {options.RunSeconds:0} s a run, {options.Rounds} interleaved rounds (plain, routed, shadow healthy, slow, SIGSTOPped), then one run with the shadow server dead; medians.


                """;
            ProxyProcess proxy;
            try
            {
                proxy = ProxyProcess.Start("sharpcracker shadow", options.ScBin, yaml, frontPort, [.. options.ScArgs, "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture)]);
            }
            catch (InvalidOperationException e)
            {
                return header + $"n/a: the proxy refused the configuration:\n```\n{e.Message.Trim()}\n```\n";
            }
            using (proxy)
            {
                Console.Error.WriteLine("routecheck: shadow");
                var run = TimeSpan.FromSeconds(options.RunSeconds);
                ThroughputLoad.Run(plainPort, "sh:", Keys, options.LoadConnections, TimeSpan.FromSeconds(1));
                ThroughputLoad.Run(routedPort, "sh:", Keys, options.LoadConnections, TimeSpan.FromSeconds(1));
                ThroughputLoad.Run(frontPort, "sh:", Keys, options.LoadConnections, TimeSpan.FromSeconds(1));
                var rssStart = proxy.Child.ResidentBytes();
                var rssMax = rssStart;
                const string Plain = "no shadow (plain pool)", Routed = "no shadow (route: main)", Healthy = "shadow healthy", Slow = "shadow slow (SIGSTOPped 45 ms of every 50)", Stopped = "shadow SIGSTOPped", Dead = "shadow dead (SIGKILLed; one run after the rounds)";
                var results = new Dictionary<string, List<ThroughputResult>> { [Plain] = [], [Routed] = [], [Healthy] = [], [Slow] = [], [Stopped] = [], [Dead] = [] };
                void Measure(string label)
                {
                    results[label].Add(ThroughputLoad.Run(label == Plain ? plainPort : label == Routed ? routedPort : frontPort, "sh:", Keys, options.LoadConnections, run));
                    rssMax = Math.Max(rssMax, proxy.Child.ResidentBytes());
                }
                for (var round = 0; round < options.Rounds; round++)
                {
                    Measure(Plain);
                    Measure(Routed);
                    Measure(Healthy);
                    using (new SlowServer(shadow, 45, 50))
                    {
                        Measure(Slow);
                    }
                    shadow.Stop();
                    try
                    {
                        Measure(Stopped);
                    }
                    finally
                    {
                        shadow.Continue();
                    }
                }
                shadow.Kill();
                Measure(Dead);
                var rssEnd = proxy.Child.ResidentBytes();
                var table = new MarkdownTable("primary traffic", "requests/s (median)", "p50 µs (median)", "p99 µs (median)", "errors (all rounds)", "requests/s per round");
                foreach (var (label, runs) in results)
                {
                    table.Add(label, Median(runs.Select(r => r.PerSecond)), Median(runs.Select(r => r.P50Micros)), Median(runs.Select(r => r.P99Micros)),
                        runs.Sum(r => r.Errors), string.Join(" / ", runs.Select(r => r.PerSecond.ToString("0", CultureInfo.InvariantCulture))));
                }
                var died = proxy.Child.HasExited ? $"\nThe proxy EXITED during the run:\n```\n{proxy.LogTail()}\n```\n" : "";
                return header + table + $"""

                    Proxy RSS: {Mib(rssStart)} MiB after warm-up, {Mib(rssMax)} MiB at most during the rounds, {Mib(rssEnd)} MiB at the end.
                    Stats port, counters whose name has "shadow": {ShadowCounters(proxy.ReadStats())}.
                    /metrics, lines with "shadow": {MetricsLines(metricsPort)}
                    {died}
                    """;
            }
        }
        finally
        {
            foreach (var p in primaries)
            {
                p.Dispose();
            }
            shadow?.Dispose();
        }
    }

    /// <summary>The /metrics samples whose line mentions "shadow", or why there are none.</summary>
    private static string MetricsLines(int port)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var body = http.GetStringAsync($"http://127.0.0.1:{port}/metrics").GetAwaiter().GetResult();
            var lines = body.Split('\n').Where(l => !l.StartsWith('#') && l.Contains("shadow", StringComparison.OrdinalIgnoreCase)).ToArray();
            return lines.Length == 0 ? "none" : string.Join(", ", lines.Select(l => $"`{l.Trim()}`"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return $"(/metrics did not answer: {e.InnerException?.Message ?? e.Message})";
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>Every number in the stats document under a name containing "shadow", as path=value.</summary>
    private static string ShadowCounters(string? stats)
    {
        if (stats is null)
        {
            return "(the stats port did not answer)";
        }
        try
        {
            using var doc = JsonDocument.Parse(stats);
            var found = new List<string>();
            Walk(doc.RootElement, "", found);
            return found.Count == 0 ? "none" : string.Join(", ", found.Select(f => $"`{f}`"));
        }
        catch (JsonException)
        {
            return "(not JSON)";
        }
    }

    private static void Walk(JsonElement element, string path, List<string> found)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in element.EnumerateObject())
            {
                Walk(p.Value, path.Length == 0 ? p.Name : path + "." + p.Name, found);
            }
        }
        else if (element.ValueKind == JsonValueKind.Number && path.Contains("shadow", StringComparison.OrdinalIgnoreCase))
        {
            found.Add($"{path}={element.GetRawText()}");
        }
    }
}
