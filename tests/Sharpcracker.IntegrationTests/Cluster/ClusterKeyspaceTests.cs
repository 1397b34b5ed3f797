using System.Globalization;
using Sharpcracker.IntegrationTests.Redis;

namespace Sharpcracker.IntegrationTests.Cluster;

/// <summary>
/// Keyspace commands in a redis_cluster pool over a real 6-node cluster (3 masters, 3 replicas):
/// SCAN walks the masters of the slot map, KEYS / DBSIZE / FLUSHALL cover every master, SCRIPT
/// LOAD and CONFIG SET reach every node the pool sends commands to (the masters under the default
/// read_policy master; their replicas too under a replica read policy).
/// </summary>
public sealed class ClusterKeyspaceTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    private RedisCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Cluster_ScanKeysDbsizeScriptsConfigAndFlushOverEveryMaster()
    {
        await using var proxy = await TestProxy.StartRedisAsync([Cluster.Ports[0]], "distribution: redis_cluster");
        using var c = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await c.CallAsync("FLUSHALL"));
        Assert.Equal(":0\r\n", await c.CallAsync("DBSIZE"));
        var written = new List<string>();
        for (var i = 0; i < 600; i++)
        {
            var key = "ck:" + i;
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", key, "v"));
            written.Add(key);
        }
        var masters = (await Cluster.NodesAsync()).Where(n => n.IsMaster).ToList();
        Assert.Equal(3, masters.Count);
        foreach (var master in masters)
        {
            using var direct = new RespConnection(master.Port);
            Assert.True(long.Parse((await direct.CallAsync("DBSIZE"))[1..^2], CultureInfo.InvariantCulture) > 100);
        }
        Assert.Equal(":600\r\n", await c.CallAsync("DBSIZE"));

        var scanned = await KeyspaceTests.ScanAllAsync(c, "COUNT", "25");
        Assert.Equal(scanned.Count, scanned.Distinct().Count());
        Assert.Equal(written.Order(StringComparer.Ordinal), scanned.Order(StringComparer.Ordinal));
        Assert.Equal(111, (await KeyspaceTests.ScanAllAsync(c, "MATCH", "ck:1*")).Count);
        var keys = RespTree.Parse(await c.CallAsync("KEYS", "ck:*")).Elements.Select(e => e.Text!);
        Assert.Equal(written.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.StartsWith("$", await c.CallAsync("RANDOMKEY"));

        // SCRIPT LOAD reaches every master: EVALSHA works for keys of every master.
        var sha = RespTree.Parse(await c.CallAsync("SCRIPT", "LOAD", "return redis.call('GET', KEYS[1])")).Text!;
        foreach (var master in masters)
        {
            using var node = new RespConnection(master.Port);
            Assert.Equal("*1\r\n:1\r\n", await node.CallAsync("SCRIPT", "EXISTS", sha));
        }
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal("$1\r\nv\r\n", await c.CallAsync("EVALSHA", sha, "1", "ck:" + i));
        }
        Assert.Equal("*1\r\n:1\r\n", await c.CallAsync("SCRIPT", "EXISTS", sha));
        Assert.Equal("+OK\r\n", await c.CallAsync("SCRIPT", "FLUSH"));
        Assert.Equal("*1\r\n:0\r\n", await c.CallAsync("SCRIPT", "EXISTS", sha));

        // CONFIG SET on every master.
        Assert.Equal("+OK\r\n", await c.CallAsync("CONFIG", "SET", "maxmemory-samples", "8"));
        foreach (var master in masters)
        {
            using var node = new RespConnection(master.Port);
            Assert.Equal("*2\r\n$17\r\nmaxmemory-samples\r\n$1\r\n8\r\n", await node.CallAsync("CONFIG", "GET", "maxmemory-samples"));
        }
        Assert.Equal("+OK\r\n", await c.CallAsync("CONFIG", "SET", "maxmemory-samples", "5"));

        var info = RespTree.Parse(await c.CallAsync("INFO", "all")).Text!;
        Assert.Contains("\r\ndb0:keys=600,", info);

        // FLUSHALL on every master: nothing left anywhere.
        Assert.Equal("+OK\r\n", await c.CallAsync("FLUSHALL"));
        Assert.Equal(":0\r\n", await c.CallAsync("DBSIZE"));
        Assert.Empty(await KeyspaceTests.ScanAllAsync(c));
        foreach (var master in masters)
        {
            using var direct = new RespConnection(master.Port);
            Assert.Equal(":0\r\n", await direct.CallAsync("DBSIZE"));
        }
    }
}
