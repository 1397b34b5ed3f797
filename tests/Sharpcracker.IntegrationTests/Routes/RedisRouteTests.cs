namespace Sharpcracker.IntegrationTests.Routes;

/// <summary>
/// A Redis listener that routes (docs/routes.md, "Redis"): prefix routes over plain pools and a
/// shadow pool that gets copies of writes — over real redis-server instances, read back directly.
/// </summary>
public sealed class RedisRouteTests
{
    private static string Pool(string name, int port) => $"{name}:\n  redis: true\n  servers:\n    - 127.0.0.1:{port}:1\n";

    private static async Task<string> Direct(int port, params string[] command)
    {
        using var c = new RespConnection(port);
        return await c.CallAsync(command);
    }

    [Fact]
    public async Task PrefixRoute_KeysLandOnTheirPools_MultiKeyAndFanOutSpanThem_WritesShadowed_ReadsNot()
    {
        using var a = RedisServer.Start();
        using var b = RedisServer.Start();
        using var sh = RedisServer.Start();
        var port = FreePort.Next();
        var yaml = Pool("ra", a.Port) + Pool("rb", b.Port) + Pool("sh", sh.Port)
            + $"front:\n  listen: 127.0.0.1:{port}\n  redis: true\n  route:\n    prefix:\n      \"a:\": ra\n    default: {{shadow: sh, primary: rb}}\n";
        await using var proxy = await TestProxy.StartAsync(yaml, port);
        using var client = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await client.CallAsync("SET", "a:1", "x"));
        Assert.Equal("+OK\r\n", await client.CallAsync("SET", "b:1", "y"));
        Assert.Equal("$1\r\nx\r\n", await Direct(a.Port, "GET", "a:1"));
        Assert.Equal("$-1\r\n", await Direct(b.Port, "GET", "a:1"));
        Assert.Equal("$1\r\ny\r\n", await Direct(b.Port, "GET", "b:1"));
        Assert.True(await Poll.EventuallyAsync(async () => await Direct(sh.Port, "GET", "b:1") == "$1\r\ny\r\n"));
        Assert.Equal("$-1\r\n", await Direct(sh.Port, "GET", "a:1")); // not under the shadow
        // One MGET over both pools, merged in key order; the keyspace is the served pools only.
        Assert.Equal("*3\r\n$1\r\ny\r\n$-1\r\n$1\r\nx\r\n", await client.CallAsync("MGET", "b:1", "nope", "a:1"));
        Assert.Equal(":2\r\n", await client.CallAsync("DBSIZE"));
        // A read is not copied: the shadow never sees GET (its counters, reset after the polls above, stay 0).
        Assert.Equal("+OK\r\n", await Direct(sh.Port, "CONFIG", "RESETSTAT"));
        Assert.Equal("$1\r\ny\r\n", await client.CallAsync("GET", "b:1"));
        var stats = await Direct(sh.Port, "INFO", "stats");
        Assert.Contains("keyspace_hits:0", stats, StringComparison.Ordinal);
        Assert.Contains("keyspace_misses:0", stats, StringComparison.Ordinal);
        // A transaction pins to the key's server through the route.
        Assert.Equal("+OK\r\n", await client.CallAsync("MULTI"));
        Assert.Equal("+QUEUED\r\n", await client.CallAsync("INCR", "a:n"));
        Assert.Equal("*1\r\n:1\r\n", await client.CallAsync("EXEC"));
        Assert.Equal("$1\r\n1\r\n", await Direct(a.Port, "GET", "a:n"));
    }

    [Fact]
    public void RedisListener_RefusesMemcachedOnlyRoutes()
    {
        var yaml = Pool("ra", 1) + Pool("rb", 2) + "front:\n  listen: 127.0.0.1:3\n  redis: true\n  route:\n    failover: [ra, rb]\n";
        var message = Assert.Throws<Sharpcracker.Configuration.ConfigException>(() => Sharpcracker.Configuration.ConfigLoader.Parse(yaml, "t.yml")).Message;
        Assert.Contains("a Redis listener routes by prefix and shadows; failover serves memcached listeners", message, StringComparison.Ordinal);
    }
}
