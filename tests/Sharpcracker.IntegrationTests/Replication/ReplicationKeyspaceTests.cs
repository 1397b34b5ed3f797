using Sharpcracker.IntegrationTests.Redis;

namespace Sharpcracker.IntegrationTests.Replication;

/// <summary>
/// Keyspace commands in a replication pool (a master named "master" and two replicas): SCAN,
/// KEYS, DBSIZE and FLUSHALL go to the master only (the replicas hold copies of its keys), the
/// script cache and the settings go to every server.
/// </summary>
public sealed class ReplicationKeyspaceTests
{
    [Fact]
    public async Task MasterWithReplicas_KeyspaceFromTheMaster_ScriptsAndConfigEverywhere()
    {
        using var set = await RedisReplicaSet.StartAsync(2);
        var port = FreePort.Next();
        var yaml = $"""
            pool:
              listen: 127.0.0.1:{port}
              redis: true
              read_policy: replica
              servers:
                - 127.0.0.1:{set.Master.Port}:1 master
                - 127.0.0.1:{set.Replicas.First().Port}:1 replica1
                - 127.0.0.1:{set.Replicas.Last().Port}:1 replica2
            """;
        await using var proxy = await TestProxy.StartAsync(yaml, port);
        using var c = new RespConnection(port);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "rk:" + i, "v"));
        }
        await RedisReplicaSet.WaitReplicatedAsync(set.Master.Port, 2);

        // CONFIG RESETSTAT on every server: then only the master sees the keyspace commands.
        Assert.Equal("+OK\r\n", await c.CallAsync("CONFIG", "RESETSTAT"));
        var scanned = await KeyspaceTests.ScanAllAsync(c, "MATCH", "rk:*", "COUNT", "10");
        Assert.Equal(100, scanned.Distinct().Count());
        Assert.Equal(100, scanned.Count);
        using (var master = new RespConnection(set.Master.Port))
        {
            // The master's count (the set's own setup may hold a key), not three servers' copies.
            Assert.Equal(await master.CallAsync("DBSIZE"), await c.CallAsync("DBSIZE"));
        }
        Assert.Equal(100, RespTree.Parse(await c.CallAsync("KEYS", "rk:*")).Elements.Count);
        foreach (var command in new[] { "scan", "dbsize", "keys" })
        {
            Assert.True((await RedisReplicaSet.CommandCallsAsync(set.Master.Port)).GetValueOrDefault(command) > 0, command + " on the master");
            foreach (var replica in set.Replicas)
            {
                Assert.Equal(0, (await RedisReplicaSet.CommandCallsAsync(replica.Port)).GetValueOrDefault(command));
            }
        }

        // SCRIPT LOAD on every server: an EVALSHA_RO read on a replica finds it.
        var sha = RespTree.Parse(await c.CallAsync("SCRIPT", "LOAD", "return redis.call('GET', KEYS[1])")).Text!;
        foreach (var node in set.Nodes)
        {
            using var direct = new RespConnection(node!.Port);
            Assert.Equal("*1\r\n:1\r\n", await direct.CallAsync("SCRIPT", "EXISTS", sha));
        }
        Assert.Equal("+OK\r\n", await c.CallAsync("CONFIG", "SET", "maxmemory-samples", "7"));
        foreach (var node in set.Nodes)
        {
            using var direct = new RespConnection(node!.Port);
            Assert.Equal("*2\r\n$17\r\nmaxmemory-samples\r\n$1\r\n7\r\n", await direct.CallAsync("CONFIG", "GET", "maxmemory-samples"));
        }

        // FLUSHALL on the master; the replicas follow it.
        Assert.Equal("+OK\r\n", await c.CallAsync("FLUSHALL"));
        Assert.Equal("*0\r\n", await c.CallAsync("KEYS", "rk:*"));
        await RedisReplicaSet.WaitReplicatedAsync(set.Master.Port, 2);
        foreach (var replica in set.Replicas)
        {
            using var direct = new RespConnection(replica.Port);
            Assert.Equal("*0\r\n", await direct.CallAsync("KEYS", "rk:*"));
        }
    }
}
