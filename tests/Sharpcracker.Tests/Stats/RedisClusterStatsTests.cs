using System.Text;
using Sharpcracker.OperatorConsole;
using Sharpcracker.Stats;

namespace Sharpcracker.Tests.Stats;

/// <summary>A redis_cluster pool's counters in every report (and nowhere for other pools).</summary>
public sealed class RedisClusterStatsTests
{
    [Fact]
    public void ClusterCounters_InJsonInfoTextAndPrometheus()
    {
        using var pool = new Sharpcracker.Stats.PoolStats("rc", ["127.0.0.1:7000"], register: false) { Cluster = new() };
        using var plain = new Sharpcracker.Stats.PoolStats("plain", ["s0"], register: false);
        pool.Cluster.Refreshed();
        pool.Cluster.Moved();
        pool.Cluster.Moved();
        pool.Cluster.Ask();
        pool.Cluster.MapChanged();
        var json = Sharpcracker.OperatorConsole.TwemproxyStatsJson.RenderText([pool, plain]);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var rc = doc.RootElement.GetProperty("rc");
        Assert.Equal(2, rc.GetProperty("cluster_moved").GetInt64());
        Assert.Equal(1, rc.GetProperty("cluster_ask").GetInt64());
        Assert.Equal(1, rc.GetProperty("cluster_refreshes").GetInt64());
        Assert.False(doc.RootElement.GetProperty("plain").TryGetProperty("cluster_moved", out _));
        var text = new StringBuilder();
        Sharpcracker.Stats.MemcachedStatsText.AppendRedisInfo(text, pool);
        Assert.Contains("cluster_moved:2\r\ncluster_ask:1\r\ncluster_redirect_limit:0\r\n", text.ToString());
        var metrics = Sharpcracker.OperatorConsole.PrometheusExposition.Render([pool, plain]);
        Assert.Contains("sharpcracker_cluster_moved_total{pool=\"rc\"} 2\n", metrics);
        Assert.Contains("sharpcracker_cluster_map_changes_total{pool=\"rc\"} 1\n", metrics);
        Assert.DoesNotContain("sharpcracker_cluster_moved_total{pool=\"plain\"}", metrics);
    }
}
