using Sharpcracker.Configuration;

namespace Sharpcracker.Tests.Configuration;

/// <summary>The pool keys Sharpcracker adds for its limits (docs/operations.md).</summary>
public sealed class ConfigLimitsTests
{
    private static PoolConfig Parse(string extra)
        => ConfigLoader.Parse($"p:\n  listen: 127.0.0.1:22121\n{extra}  servers:\n    - 127.0.0.1:11211:1\n", "t.yml").Pools[0];

    [Fact]
    public void Defaults()
    {
        var pool = Parse("");
        // Never below what redis-server (client-query-buffer-limit) or memcached (-I 1024m) accepts.
        Assert.Equal(1024 * 1024 * 1024, pool.RequestSizeLimit);
        Assert.Equal(1024 * 1024 * 1024, pool.ClientOutputLimit);
        Assert.Equal(16384, pool.ServerInflightLimit);
        Assert.Equal(10000, pool.DiscoveryTimeoutMs);
    }

    [Fact]
    public void HealthCheckInterval_OffByDefault_MillisecondsWhenSet()
    {
        Assert.Null(Parse("").HealthCheckIntervalMs); // a twemproxy file keeps its meaning: no active checks
        Assert.Equal(250, Parse("  health_check_interval: 250\n").HealthCheckIntervalMs);
        var e = Assert.Throws<ConfigException>(() => Parse("  health_check_interval: 0\n"));
        Assert.Contains("\"health_check_interval\"", e.Message);
    }

    [Fact]
    public void DedicatedConnections_RedisPoolsOnly_PositiveWith1024ByDefault()
    {
        Assert.Equal(1024, Parse("  redis: true\n").DedicatedConnections);
        Assert.Equal(50, Parse("  redis: true\n  dedicated_connections: 50\n").DedicatedConnections);
        var zero = Assert.Throws<ConfigException>(() => Parse("  redis: true\n  dedicated_connections: 0\n"));
        Assert.Contains("\"dedicated_connections\"", zero.Message);
        var memcached = Assert.Throws<ConfigException>(() => Parse("  dedicated_connections: 10\n"));
        Assert.Contains("\"dedicated_connections\"", memcached.Message);
        Assert.Contains("is only valid for a redis pool", memcached.Message);
    }

    [Fact]
    public void DiscoveryTimeout_IsMilliseconds_AndMustBePositive()
    {
        Assert.Equal(1500, Parse("  discovery_timeout: 1500\n").DiscoveryTimeoutMs);
        var e = Assert.Throws<ConfigException>(() => Parse("  discovery_timeout: 0\n"));
        Assert.Contains("\"discovery_timeout\"", e.Message);
    }

    [Fact]
    public void ExplicitValues()
    {
        var pool = Parse("  request_size_limit: 1000\n  client_output_limit: 2000\n  server_inflight_limit: 3\n");
        Assert.Equal(1000, pool.RequestSizeLimit);
        Assert.Equal(2000, pool.ClientOutputLimit);
        Assert.Equal(3, pool.ServerInflightLimit);
    }

    [Fact]
    public void ByteLimits_TakeTenDigitValues()
    {
        // The defaults written out (as the console's /config shows them) read back.
        var pool = Parse("  request_size_limit: 1073741824\n  client_output_limit: 2147483647\n");
        Assert.Equal(1073741824, pool.RequestSizeLimit);
        Assert.Equal(int.MaxValue, pool.ClientOutputLimit);
    }

    [Theory]
    [InlineData("request_size_limit: 0", "request_size_limit", "cannot be 0")]
    [InlineData("client_output_limit: -5", "client_output_limit", "is not a number")]
    [InlineData("server_inflight_limit: many", "server_inflight_limit", "is not a number")]
    [InlineData("request_size_limit: 2147483648", "request_size_limit", "is larger than 2147483647")]
    [InlineData("client_output_limit: 12345678901", "client_output_limit", "is not a number")]
    public void InvalidValuesAreRefusedWithTheKey(string line, string key, string problem)
    {
        var e = Assert.Throws<ConfigException>(() => Parse("  " + line + "\n"));
        Assert.Contains($"\"{key}\"", e.Message);
        Assert.Contains(problem, e.Message);
    }
}
