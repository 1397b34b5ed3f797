using Sharpcracker.Stats;

namespace Sharpcracker.Tests.Stats;

/// <summary>The memcached "stats" and Redis INFO renderings of a pool.</summary>
public sealed class StatsTextTests
{
    [Fact]
    public void PoolView_HasMemcachedAndRedisForms()
    {
        using var pool = new PoolStats("p", ["10.0.0.1:11212"], register: false);
        StubBackendRequest.Queue(pool.Servers[0].AddConnection(), bytes: 9);
        var mc = new System.Text.StringBuilder();
        MemcachedStatsText.Append(mc, pool);
        Assert.Contains("STAT server_0_name 10.0.0.1:11212\r\n", mc.ToString());
        Assert.Contains("STAT server_0_request_bytes 9\r\n", mc.ToString());
        var redis = new System.Text.StringBuilder();
        MemcachedStatsText.AppendRedisInfo(redis, pool);
        Assert.StartsWith("client_eof:0\r\n", redis.ToString());
        Assert.Contains("server_0_requests:1\r\n", redis.ToString());
    }
}
