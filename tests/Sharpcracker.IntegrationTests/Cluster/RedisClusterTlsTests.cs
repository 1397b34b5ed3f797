using Sharpcracker.Configuration;
using Sharpcracker.ControlPlane;

namespace Sharpcracker.IntegrationTests.Cluster;

/// <summary>
/// A redis_cluster pool with <c>server_tls</c> in front of a TLS-only 6-node Redis Cluster (<c>port 0</c>,
/// <c>tls-cluster yes</c>, <c>tls-replication yes</c>): the slot map is loaded over TLS, the
/// workers reach every master (and, under <c>read_policy: replica</c>, every replica) over TLS.
/// Its own cluster, like the topology tests.
/// </summary>
public sealed class RedisClusterTlsTests(TestCertificates certs) : IClassFixture<TestCertificates>
{
    [Fact]
    public async Task TlsOnlyCluster_SlotMapLoaded_KeysOfEveryMaster_MgetSplit_ReplicaReads()
    {
        using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1, tls: certs);
        await using var proxy = await TestProxy.StartRedisAsync([cluster.Ports[0]], $"""
            distribution: redis_cluster
            server_tls: true
            server_tls_ca_file: {certs.CaFile}
            """);
        var pool = proxy.Host.Pools.Single();
        using var c = new RespConnection(proxy.Port);

        // The map is loaded from CLUSTER SLOTS over TLS: all slots, the three masters by their TLS ports.
        var masters = (await cluster.NodesAsync()).Where(n => n.IsMaster).Select(n => "127.0.0.1:" + n.Port).Order().ToList();
        var info = await Poll.UntilAsync(async () =>
        {
            var text = await c.CallAsync("INFO");
            return text.Contains("cluster_slots_served:16384\r\n", StringComparison.Ordinal) ? text : null;
        }, TimeSpan.FromSeconds(10), "the cluster map loaded over TLS");
        var line = info.Split("\r\n").First(l => l.StartsWith("cluster_masters:", StringComparison.Ordinal));
        Assert.Equal(masters, line["cluster_masters:".Length..].Split(',').Order());

        var keys = Enumerable.Range(0, 60).Select(i => "tlskey:" + i).ToArray();
        foreach (var k in keys)
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", k, "v-" + k));
        }
        foreach (var k in keys)
        {
            Assert.Equal($"${2 + k.Length}\r\nv-{k}\r\n", await c.CallAsync("GET", k));
        }
        // One MGET over keys of every master: split per slot owner, merged in order.
        var expected = $"*{keys.Length}\r\n" + string.Concat(keys.Select(k => $"${2 + k.Length}\r\nv-{k}\r\n"));
        Assert.Equal(expected, await c.CallAsync(["MGET", .. keys]));

        // Every master holds some of the keys (read over TLS straight from the nodes).
        foreach (var master in (await cluster.NodesAsync()).Where(n => n.IsMaster))
        {
            using var direct = await cluster.ConnectAsync(master.Port);
            var size = await direct.CallAsync("DBSIZE");
            Assert.True(long.Parse(size[1..^2]) > 5, $"master {master.Port} holds {size.Trim()} keys");
        }
        // Worker connections to the masters were TLS handshakes, none refused.
        Assert.True(pool.Stats.ServerTls.Handshakes >= 3, $"{pool.Stats.ServerTls.Handshakes} TLS handshakes");
        Assert.Equal(0, pool.Stats.ServerTls.Failures);

        // read_policy replica: the replicas (from CLUSTER SLOTS over TLS) serve the reads, over TLS with READONLY.
        await using var replicaProxy = await TestProxy.StartRedisAsync([cluster.Ports[0]], $"""
            distribution: redis_cluster
            read_policy: replica
            server_tls: true
            server_tls_ca_file: {certs.CaFile}
            """);
        using var rc = new RespConnection(replicaProxy.Port);
        var nodes = await cluster.NodesAsync();
        var replicas = nodes.Where(n => !n.IsMaster).ToList();
        await Poll.UntilAsync(async () =>
        {
            var text = await rc.CallAsync("INFO");
            var listed = text.Split("\r\n").FirstOrDefault(l => l.StartsWith("cluster_replicas:", StringComparison.Ordinal)) ?? "";
            return replicas.All(r => listed.Contains("127.0.0.1:" + r.Port, StringComparison.Ordinal)) ? listed : null;
        }, TimeSpan.FromSeconds(15), "the three replicas in the map loaded over TLS");
        var before = await GetCallsAsync(cluster, nodes);
        foreach (var k in keys)
        {
            // Written above and read back since: replicated by now, or soon (asynchronous replication).
            await Poll.UntilAsync(async () => await rc.CallAsync("GET", k) is var r && r == $"${2 + k.Length}\r\nv-{k}\r\n" ? r : null,
                TimeSpan.FromSeconds(10), k + " read from its replica");
        }
        var after = await GetCallsAsync(cluster, nodes);
        Assert.All(nodes.Where(n => n.IsMaster), m => Assert.Equal(before[m.Port], after[m.Port]));
        Assert.All(replicas, r => Assert.True(after[r.Port] > before[r.Port], $"replica {r.Port} served no GET"));

        // The slot query with the pool's TLS settings answers; with a pool that does not trust the
        // nodes' CA (the system roots only) it is refused, with the reason.
        Assert.Null((await RedisClusterMonitor.QueryAsync(pool.Config.Servers[0], pool.Config, CancellationToken.None)).Error);
        var untrusted = ConfigLoader.Parse($"u:\n  listen: 127.0.0.1:1\n  redis: true\n  distribution: redis_cluster\n  server_tls: true\n  servers:\n    - 127.0.0.1:{cluster.Ports[0]}:1\n", "u.yml").Pools[0];
        var refused = (await RedisClusterMonitor.QueryAsync(untrusted.Servers[0], untrusted, CancellationToken.None)).Error;
        Assert.StartsWith("TLS handshake failed: ", refused);
    }

    /// <summary>GET calls per node, from INFO commandstats over TLS.</summary>
    private static async Task<Dictionary<int, long>> GetCallsAsync(RedisCluster cluster, IEnumerable<RedisClusterNode> nodes)
    {
        var calls = new Dictionary<int, long>();
        foreach (var node in nodes)
        {
            using var c = await cluster.ConnectAsync(node.Port);
            calls[node.Port] = (await RedisReplicaSet.CommandCallsAsync(c)).GetValueOrDefault("get");
        }
        return calls;
    }
}
