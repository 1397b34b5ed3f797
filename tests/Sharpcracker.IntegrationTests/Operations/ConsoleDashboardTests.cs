using System.Text.Json;
using System.Text.RegularExpressions;
using Sharpcracker.IntegrationTests.LiveConfig;

namespace Sharpcracker.IntegrationTests.Operations;

/// <summary>The Grafana dashboard in conf/ queries only metrics the proxy serves on /metrics.</summary>
public sealed partial class ConsoleDashboardTests
{
    [Fact]
    public async Task EveryMetricTheDashboardQueries_IsServedOnMetrics()
    {
        var path = Path.Combine(ConsoleKit.RepositoryRoot(), "conf", "grafana", "sharpcracker-dashboard.json");
        using var dashboard = JsonDocument.Parse(File.ReadAllText(path));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();
        var expressions = panels.SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        Assert.True(panels.Count >= 10, $"{panels.Count} panels");
        Assert.Contains(panels, p => p.GetProperty("type").GetString() == "heatmap");
        Assert.Contains(panels, p => p.GetProperty("type").GetString() == "state-timeline");

        // A proxy with a memcached and a Redis pool and some traffic, so every family has samples.
        using var memcached = ExternalProcess.StartMemcached();
        using var redis = RedisServer.Start();
        var (mcPort, redisPort) = (FreePort.Next(), FreePort.Next());
        var yaml = $"""
            mc:
              listen: 127.0.0.1:{mcPort}
              servers:
                - 127.0.0.1:{memcached.Port}:1 m0
            rd:
              listen: 127.0.0.1:{redisPort}
              redis: true
              servers:
                - 127.0.0.1:{redis.Port}:1 r0

            """;
        using var proxy = TestProxy.StartProcess(yaml, null, metrics: true);
        proxy.WaitListening(proxy.MetricsPort);
        proxy.WaitListening(mcPort);
        await LiveConfigKit.SetThroughAsync(mcPort, "k", "v");
        var (status, metrics) = await ConsoleKit.GetAsync(proxy.MetricsPort, "/metrics");
        Assert.Equal(200, status);
        var served = metrics.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => SampleName().Match(l).Value).ToHashSet();

        var queried = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet();
        Assert.True(queried.Count >= 15, string.Join(", ", queried));
        var missing = queried.Where(n => !served.Contains(n)).ToList();
        Assert.True(missing.Count == 0, "queried but not served: " + string.Join(", ", missing));
        // Server states and readiness have samples for every server and pool.
        Assert.Contains("sharpcracker_server_state{pool=\"mc\",server=\"m0\",state=\"up\"} 1", metrics);
        Assert.Contains("sharpcracker_server_state{pool=\"mc\",server=\"m0\",state=\"ejected\"} 0", metrics);
        Assert.Contains("sharpcracker_pool_ready{pool=\"rd\"} 1", metrics);
    }

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SampleName();

    /// <summary>Metric names in PromQL: the proxy's, the process and the runtime families (functions and labels never match).</summary>
    [GeneratedRegex(@"\b(?:sharpcracker|process|dotnet)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
