using Sharpcracker.Configuration;
using Sharpcracker.Hosting;
using Sharpcracker.IntegrationTests.Differential;
using Sharpcracker.IntegrationTests.Redis;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Cluster;

/// <summary>A shared 6-node cluster (3 masters, 3 replicas) for the tests that do not change its topology.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    public RedisCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await RedisCluster.StartAsync();

    public Task DisposeAsync()
    {
        Cluster.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// A redis_cluster pool in front of a real 6-node Redis Cluster: plain Redis clients (no cluster
/// support) get the replies one redis-server would give.
/// </summary>
public sealed partial class RedisClusterTests(RedisClusterFixture fixture, ITestOutputHelper output) : IClassFixture<RedisClusterFixture>
{
    private RedisCluster Cluster => fixture.Cluster;

    /// <summary>A proxy whose only seed is one node (the rest are discovered from the slot map).</summary>
    private Task<TestProxy> StartProxyAsync(params int[] seeds)
        => TestProxy.StartRedisAsync(seeds.Length > 0 ? seeds : [Cluster.Ports[0]], "distribution: redis_cluster");

    /// <summary>
    /// Issue 25 §1: the pool accepts clients once a seed has given it the slot map. The first seed
    /// (r0, where a slot goes while no map is known) hangs: it accepts connections and never
    /// answers, so the map comes from the second seed after the first one's query deadline. A
    /// client that writes right after the port opens is served by the slot's master, instead of
    /// being sent to the hanging seed and timing out.
    /// </summary>
    [Fact]
    public async Task FirstWrite_RightAfterThePortOpens_WaitsForTheSlotMap()
    {
        var hole = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        hole.Start();
        try
        {
            var holePort = ((System.Net.IPEndPoint)hole.LocalEndpoint).Port;
            await using var proxy = await TestProxy.StartRedisAsync([holePort, Cluster.Ports[0]], "distribution: redis_cluster\ntimeout: 3000");
            using var c = new RespConnection(proxy.Port);
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "startup:first", "1"));
            var master = await Cluster.MasterOfAsync(await Cluster.KeySlotAsync("startup:first"));
            using var direct = new RespConnection(master.Port);
            Assert.Equal("$1\r\n1\r\n", await direct.CallAsync("GET", "startup:first"));
        }
        finally
        {
            hole.Stop();
        }
    }

    [Fact]
    public async Task SetAndGet_KeysOfEveryMaster()
    {
        await using var proxy = await StartProxyAsync();
        using var c = new RespConnection(proxy.Port);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "key:" + i, "value " + i));
        }
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal($"${("value " + i).Length}\r\nvalue {i}\r\n", await c.CallAsync("GET", "key:" + i));
        }
        // The keys really are spread over the three masters, each holding its own slots' keys.
        foreach (var master in (await Cluster.NodesAsync()).Where(n => n.IsMaster))
        {
            using var direct = new RespConnection(master.Port);
            var size = await direct.CallAsync("DBSIZE");
            Assert.True(long.Parse(size[1..^2]) > 30, $"master {master.Port} holds {size.Trim()} keys");
        }
        // Per-node stats: every master (discovered from the map, beyond the one seed) got requests.
        var info = await c.CallAsync("INFO");
        Assert.Contains("distribution:redis_cluster\r\n", info);
        Assert.Contains("cluster_refreshes:", info);
        Assert.Contains("cluster_slots_served:16384\r\n", info);
        var masters = info.Split("\r\n").First(l => l.StartsWith("cluster_masters:", StringComparison.Ordinal))["cluster_masters:".Length..].Split(',');
        Assert.Equal((await Cluster.NodesAsync()).Where(n => n.IsMaster).Select(n => "127.0.0.1:" + n.Port).Order(), masters.Order());
        foreach (var master in (await Cluster.NodesAsync()).Where(n => n.IsMaster))
        {
            var line = info.Split("\r\n").First(l => l.Contains($",addr=127.0.0.1:{master.Port},"));
            var index = line[6..line.IndexOf(':')];
            var requests = info.Split("\r\n").First(l => l.StartsWith($"server_{index}_requests:", StringComparison.Ordinal));
            Assert.True(long.Parse(requests[(requests.IndexOf(':') + 1)..]) >= 50, requests);
        }
    }

    /// <summary>
    /// A RESP3 client through a redis_cluster pool under read_policy replica (RESP3 server
    /// connections carry READONLY, then HELLO 3): the pool still presents one standalone master,
    /// MGET over many slots is merged with RESP3 nulls, maps pass as maps.
    /// </summary>
    [Fact]
    public async Task Resp3Client_OneStandaloneNode_RepliesInResp3()
    {
        await using var proxy = await TestProxy.StartRedisAsync([Cluster.Ports[0]], "distribution: redis_cluster\nread_policy: replica");
        using var c = new RespConnection(proxy.Port);
        var hello = await c.CallAsync("HELLO", "3");
        Assert.Contains("$4\r\nmode\r\n$10\r\nstandalone\r\n", hello);
        Assert.Contains("$4\r\nrole\r\n$6\r\nmaster\r\n", hello);
        var keys = Enumerable.Range(0, 20).Select(i => "r3:" + i).ToArray();
        foreach (var key in keys)
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", key, "v-" + key));
        }
        Assert.Equal(":2\r\n", await c.CallAsync("HSET", "r3:h", "a", "1", "b", "2"));
        var expected = $"*{keys.Length + 1}\r\n" + string.Concat(keys.Select(k => $"${("v-" + k).Length}\r\nv-{k}\r\n")) + "_\r\n";
        // Reads go to replicas, which replicate asynchronously: poll until all have the values.
        await Poll.UntilAsync(async () =>
        {
            var reply = await c.CallAsync(["MGET", .. keys, "r3:missing"]);
            return reply == expected ? reply : null; // until the map lists the replicas, reads are refused
        }, TimeSpan.FromSeconds(20), "MGET through the replicas never returned every value");
        await Poll.UntilAsync(async () =>
        {
            var reply = await c.CallAsync("HGETALL", "r3:h");
            return reply == "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n" ? reply : null;
        }, TimeSpan.FromSeconds(20), "HGETALL as a RESP3 map");
    }

    /// <summary>
    /// read_policy replica: every read lands on a replica (the servers' own command counts say so,
    /// not the proxy's), writes on masters, and replies are the values written; MGET splits over
    /// the replicas of several masters. READONLY is sent on every connection of such a pool.
    /// </summary>
    [Fact]
    public async Task ReadPolicyReplica_ReadsServedByReplicas_WritesByMasters()
    {
        await using var proxy = await TestProxy.StartRedisAsync([Cluster.Ports[0]], "distribution: redis_cluster\nread_policy: replica");
        using var c = new RespConnection(proxy.Port);
        var nodes = (await Cluster.NodesAsync()).Where(n => !n.Failed).ToList();
        var masters = nodes.Where(n => n.IsMaster).ToList();
        var replicas = nodes.Where(n => !n.IsMaster).ToList();
        Assert.Equal(3, replicas.Count);
        // Replicas are listed by CLUSTER SLOTS once their first sync is done: wait until the proxy's map has all three.
        await Poll.UntilAsync(async () =>
        {
            var info = await c.CallAsync("INFO");
            var line = info.Split("\r\n").FirstOrDefault(l => l.StartsWith("cluster_replicas:", StringComparison.Ordinal)) ?? "";
            return replicas.All(r => line.Contains("127.0.0.1:" + r.Port, StringComparison.Ordinal)) ? line : null;
        }, TimeSpan.FromSeconds(30), "the proxy's slot map never listed the three replicas");
        Assert.Contains("read_policy:replica\r\n", await c.CallAsync("INFO"));

        const int keys = 60;
        for (var i = 0; i < keys; i++)
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "rr:" + i, "value " + i));
        }
        var before = await CommandCountsAsync(nodes, "get");
        // Replication is asynchronous: poll each key until its replica has it (a read is never refused meanwhile).
        for (var i = 0; i < keys; i++)
        {
            var expected = $"${("value " + i).Length}\r\nvalue {i}\r\n";
            await Poll.UntilAsync(async () =>
            {
                var reply = await c.CallAsync("GET", "rr:" + i);
                Assert.True(reply == expected || reply == "$-1\r\n", $"GET rr:{i}: {reply}"); // the value, or not replicated yet
                return reply == expected ? reply : null;
            }, TimeSpan.FromSeconds(10), "rr:" + i + " never reached its replica");
        }
        var after = await CommandCountsAsync(nodes, "get");
        foreach (var master in masters)
        {
            Assert.Equal(before[master.Port], after[master.Port]); // no read reached a master
        }
        foreach (var replica in replicas)
        {
            Assert.True(after[replica.Port] - before[replica.Port] >= 5, $"replica {replica.Port} served {after[replica.Port] - before[replica.Port]} GETs");
        }
        Assert.True(replicas.Sum(r => after[r.Port] - before[r.Port]) >= keys); // every GET (and any retry of a not yet replicated key)

        // MGET over many slots: split, each fragment read from a replica, merged in key order.
        var mgetBefore = await CommandCountsAsync(nodes, "mget");
        var mget = await c.CallAsync(["MGET", .. Enumerable.Range(0, 20).Select(i => "rr:" + i)]);
        Assert.Equal("*20\r\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"${("value " + i).Length}\r\nvalue {i}\r\n")), mget);
        var mgetAfter = await CommandCountsAsync(nodes, "mget");
        Assert.All(masters, m => Assert.Equal(mgetBefore[m.Port], mgetAfter[m.Port]));
        Assert.True(replicas.Sum(r => mgetAfter[r.Port] - mgetBefore[r.Port]) >= 3);
        // Writes still go to masters (a replica would answer MOVED, or READONLY without the handshake).
        Assert.Equal(":1\r\n", await c.CallAsync("DEL", "rr:0"));
        Assert.Equal("+OK\r\n", await c.CallAsync("SET", "rr:0", "again"));
    }

    /// <summary>
    /// A reload that sets read_policy on a running cluster pool: replicas, absent from the server
    /// list under the master policy, are added at once and serve the reads from then on.
    /// </summary>
    [Fact]
    public async Task Reload_TurnsReplicaReadsOn_ReplicasAddedAndServeReads()
    {
        var port = FreePort.Next();
        string Yaml(string extra) => $"""
            pool:
              listen: 127.0.0.1:{port}
              redis: true
              distribution: redis_cluster
            {extra}  servers:
                - 127.0.0.1:{Cluster.Ports[0]}:1

            """;
        var path = Path.Combine(Path.GetTempPath(), $"cluster-reload-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, Yaml(""));
        try
        {
            await using var proxy = await TestProxy.StartAsync(File.ReadAllText(path), port);
            await using var reloader = new Sharpcracker.Hosting.ConfigReloader(proxy.Host, () => Sharpcracker.Configuration.ConfigLoader.LoadFile(path), [path],
                Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            using var c = new RespConnection(proxy.Port);
            var nodes = (await Cluster.NodesAsync()).Where(n => !n.Failed).ToList();
            var replicas = nodes.Where(n => !n.IsMaster).ToList();
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "reload-rr", "v1"));
            Assert.Equal("$2\r\nv1\r\n", await c.CallAsync("GET", "reload-rr"));
            var info = await c.CallAsync("INFO");
            Assert.All(replicas, r => Assert.DoesNotContain($",addr=127.0.0.1:{r.Port},", info)); // master policy: no replica is a server
            // The key's replica has it before replica reads begin (replication is asynchronous).
            var master = await Cluster.MasterOfAsync(await Cluster.KeySlotAsync("reload-rr"));
            using (var direct = new RespConnection(replicas.Single(r => r.MasterId == master.Id).Port))
            {
                Assert.Equal("+OK\r\n", await direct.CallAsync("READONLY"));
                await Poll.UntilAsync(async () => await direct.CallAsync("GET", "reload-rr") == "$2\r\nv1\r\n" ? "" : null, TimeSpan.FromSeconds(10), "the replica never got the key");
            }

            File.WriteAllText(path, Yaml("  read_policy: replica\n"));
            Assert.True(await reloader.ReloadAsync("test"));
            info = await c.CallAsync("INFO");
            Assert.Contains("read_policy:replica\r\n", info);
            Assert.All(replicas, r => Assert.Contains($",addr=127.0.0.1:{r.Port},", info));
            var before = await CommandCountsAsync(nodes, "get");
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal("$2\r\nv1\r\n", await c.CallAsync("GET", "reload-rr"));
            }
            var after = await CommandCountsAsync(nodes, "get");
            Assert.All(nodes.Where(n => n.IsMaster), m => Assert.Equal(before[m.Port], after[m.Port]));
            Assert.Equal(10, replicas.Sum(r => after[r.Port] - before[r.Port]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Calls of one command per node, from each node's INFO commandstats.</summary>
    private static async Task<Dictionary<int, long>> CommandCountsAsync(IEnumerable<RedisClusterNode> nodes, string command)
    {
        var counts = new Dictionary<int, long>();
        foreach (var node in nodes)
        {
            counts[node.Port] = (await RedisReplicaSet.CommandCallsAsync(node.Port)).GetValueOrDefault(command);
        }
        return counts;
    }

    private async Task FlushAllAsync()
    {
        foreach (var master in (await Cluster.NodesAsync()).Where(n => n.IsMaster && !n.Failed))
        {
            using var c = new RespConnection(master.Port);
            Assert.Equal("+OK\r\n", await c.CallAsync("FLUSHALL"));
        }
    }

    /// <summary>Every command of the Redis corpus whose keys need not share a server: the same bytes as one redis-server.</summary>
    [Fact]
    public async Task Corpus_SameRepliesAsOneRedisServer()
    {
        await FlushAllAsync();
        using var direct = RedisServer.Start();
        await using var proxy = await StartProxyAsync();
        var commands = RedisCorpus.All.Where(c => !c.SameServerOnly).ToList();
        using var d = new RespConnection(direct.Port);
        using var p = new RespConnection(proxy.Port);
        var mismatches = await RedisDifferentialTests.MismatchesAsync(d, p, commands);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        // The corpus's keys were spread over the masters, and multi-key commands were split per slot.
        var masters = (await Cluster.NodesAsync()).Where(n => n.IsMaster).ToList();
        foreach (var master in masters)
        {
            using var c = new RespConnection(master.Port);
            var size = await c.CallAsync("DBSIZE");
            Assert.True(long.Parse(size[1..^2]) >= 2, $"master {master.Port} holds {size.Trim()} keys");
        }
    }

    /// <summary>
    /// The RESP3 corpus after HELLO 3 (the proxy's cluster connections speak RESP3 for this client,
    /// MOVED included): the same bytes as one redis-server under HELLO 3.
    /// </summary>
    [Fact]
    public async Task Resp3Corpus_SameRepliesAsOneRedisServer()
    {
        await FlushAllAsync();
        using var direct = RedisServer.Start();
        await using var proxy = await StartProxyAsync();
        var commands = Resp3Corpus.All.Where(c => !c.SameServerOnly).ToList();
        using var d = await Resp3DifferentialTests.OpenAsync(direct.Port, 3);
        using var p = await Resp3DifferentialTests.OpenAsync(proxy.Port, 3);
        var mismatches = await RedisDifferentialTests.MismatchesAsync(d, p, commands);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    /// <summary>
    /// The whole corpus in one write to a proxy that has just started: commands sent before the
    /// slot map is loaded go to the seed and come back with MOVED, which the proxy follows; replies
    /// keep request order and equal one redis-server's.
    /// </summary>
    [Fact]
    public async Task PipelinedCorpus_RightAfterStart_SameRepliesInOrder()
    {
        await FlushAllAsync();
        using var direct = RedisServer.Start();
        await using var proxy = await StartProxyAsync();
        var commands = RedisCorpus.All.Where(c => !c.SameServerOnly).ToList();
        var bytes = commands.SelectMany(c => RespConnection.Encode(c.Args)).ToArray();
        using var d = new RespConnection(direct.Port);
        using var p = new RespConnection(proxy.Port);
        await d.SendAsync(bytes);
        await p.SendAsync(bytes);
        for (var i = 0; i < commands.Count; i++)
        {
            var expected = await d.ReadReplyAsync();
            var actual = await p.ReadReplyAsync();
            Assert.True(expected == actual, $"{commands[i]}: direct {RedisDifferentialTests.Show(expected)} proxy {RedisDifferentialTests.Show(actual)}");
        }
    }

    [Fact]
    public async Task MultiKeyCommands_HashTagsForwarded_CrossSlotRefusedAsTheClusterDoes()
    {
        await using var proxy = await StartProxyAsync();
        using var c = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await c.CallAsync("MSET", "{user1}.a", "1", "{user1}.b", "2", "x1", "3", "x2", "4"));
        Assert.Equal("*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$-1\r\n$1\r\n4\r\n", await c.CallAsync("MGET", "{user1}.a", "{user1}.b", "x1", "nokey", "x2"));
        // Same slot: forwarded to the slot's master, which runs it.
        Assert.Equal("+OK\r\n", await c.CallAsync("RENAME", "{user1}.a", "{user1}.c"));
        Assert.Equal(":1\r\n", await c.CallAsync("SADD", "{user1}.s1", "a"));
        Assert.Equal(":1\r\n", await c.CallAsync("SUNIONSTORE", "{user1}.s2", "{user1}.s1", "{user1}.s1"));
        // Different slots: the cluster's own refusal.
        Assert.NotEqual(await Cluster.KeySlotAsync("x1"), await Cluster.KeySlotAsync("x2"));
        Assert.Equal("-CROSSSLOT Keys in request don't hash to the same slot\r\n", await c.CallAsync("RENAME", "x1", "x2"));
        Assert.Equal("-CROSSSLOT Keys in request don't hash to the same slot\r\n", await c.CallAsync("SUNION", "x1", "x2"));
        Assert.Equal(":4\r\n", await c.CallAsync("DEL", "{user1}.b", "{user1}.c", "x1", "x2", "nokey"));
        // Both {user1} keys lived on one master, the one serving user1's slot.
        var slot = await Cluster.KeySlotAsync("user1");
        Assert.Equal(slot, await Cluster.KeySlotAsync("{user1}.s2"));
        using var owner = new RespConnection((await Cluster.MasterOfAsync(slot)).Port);
        Assert.Equal(":2\r\n", await owner.CallAsync("EXISTS", "{user1}.s1", "{user1}.s2"));
        // The topology stays hidden: CLUSTER is not a proxy command.
        Assert.Equal("-ERR unsupported command 'cluster' in proxy mode\r\n", await c.CallAsync("CLUSTER", "SLOTS"));
    }

    /// <summary>A slot moved behind the proxy's back: the old master's MOVED is followed and the map updated.</summary>
    [Fact]
    public async Task SlotMovedBehindTheProxy_MovedFollowed()
    {
        await using var proxy = await StartProxyAsync();
        using var c = new RespConnection(proxy.Port);
        var keys = Enumerable.Range(0, 20).Select(i => "{moved}:" + i).ToArray();
        foreach (var key in keys)
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", key, key));
        }
        var before = await ClusterCountersAsync(c);
        var slot = await Cluster.KeySlotAsync("moved");
        var source = await Cluster.MasterOfAsync(slot);
        var target = (await Cluster.NodesAsync()).First(n => n.IsMaster && n.Id != source.Id);
        await Cluster.MigrateSlotAsync(slot, target, batch: 5);
        foreach (var key in keys)
        {
            Assert.Equal($"${key.Length}\r\n{key}\r\n", await c.CallAsync("GET", key));
        }
        Assert.Equal("+OK\r\n", await c.CallAsync("SET", keys[0], "new"));
        using var direct = new RespConnection(target.Port);
        Assert.Equal("$3\r\nnew\r\n", await direct.CallAsync("GET", keys[0]));
        var after = await ClusterCountersAsync(c);
        // The proxy learned the move: from a MOVED it followed or from a refresh that came first.
        Assert.True(after["cluster_map_changes"] > before["cluster_map_changes"], $"map changes {before["cluster_map_changes"]} -> {after["cluster_map_changes"]}");
        output.WriteLine($"moved followed: {after["cluster_moved"] - before["cluster_moved"]}");
    }

    /// <summary>A slot being imported: a key the source no longer has is answered with ASK, and the proxy retries once with ASKING.</summary>
    [Fact]
    public async Task SlotMigrating_AskFollowedWithAsking()
    {
        await using var proxy = await StartProxyAsync();
        using var c = new RespConnection(proxy.Port);
        Assert.Equal("+PONG\r\n", await c.CallAsync("PING"));
        var slot = await Cluster.KeySlotAsync("asked");
        var source = await Cluster.MasterOfAsync(slot);
        var target = (await Cluster.NodesAsync()).First(n => n.IsMaster && n.Id != source.Id);
        using var src = new RespConnection(source.Port);
        using var dst = new RespConnection(target.Port);
        // Let the proxy route with a loaded map first (the slot's owner is the source).
        Assert.Equal("+OK\r\n", await c.CallAsync("SET", "{asked}:old", "here"));
        var before = await ClusterCountersAsync(c);
        Assert.Equal("+OK\r\n", await dst.CallAsync("CLUSTER", "SETSLOT", slot.ToString(), "IMPORTING", source.Id));
        Assert.Equal("+OK\r\n", await src.CallAsync("CLUSTER", "SETSLOT", slot.ToString(), "MIGRATING", target.Id));
        try
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "{asked}:new", "there"));
            Assert.Equal("$5\r\nthere\r\n", await c.CallAsync("GET", "{asked}:new"));
            // It was written on the importing node.
            Assert.Equal("+OK\r\n", await dst.CallAsync("ASKING"));
            Assert.Equal("$5\r\nthere\r\n", await dst.CallAsync("GET", "{asked}:new"));
            var after = await ClusterCountersAsync(c);
            Assert.True(after["cluster_ask"] >= before["cluster_ask"] + 2, $"ask {before["cluster_ask"]} -> {after["cluster_ask"]}");
            // A key still on the source is served there; keys of the slot split between the nodes: the cluster's TRYAGAIN.
            Assert.Equal("$4\r\nhere\r\n", await c.CallAsync("GET", "{asked}:old"));
            Assert.Equal("-TRYAGAIN Multiple keys request during rehashing of slot\r\n", await c.CallAsync("MGET", "{asked}:old", "{asked}:new"));
        }
        finally
        {
            Assert.Equal("+OK\r\n", await dst.CallAsync("ASKING"));
            await dst.CallAsync("DEL", "{asked}:new");
            await src.CallAsync("DEL", "{asked}:old");
            Assert.Equal("+OK\r\n", await dst.CallAsync("CLUSTER", "SETSLOT", slot.ToString(), "STABLE"));
            Assert.Equal("+OK\r\n", await src.CallAsync("CLUSTER", "SETSLOT", slot.ToString(), "STABLE"));
        }
    }

    /// <summary>The pool's cluster counters from the proxy's INFO.</summary>
    internal static async Task<Dictionary<string, long>> ClusterCountersAsync(RespConnection proxy)
    {
        var info = await proxy.CallAsync("INFO");
        return info.Split("\r\n").Where(l => l.StartsWith("cluster_", StringComparison.Ordinal) && !l.StartsWith("cluster_masters:", StringComparison.Ordinal) && !l.StartsWith("cluster_replicas:", StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf(':')], l => long.Parse(l[(l.IndexOf(':') + 1)..]));
    }

    [Fact]
    public async Task PlainClients_RedisCliRedisPyAndRedisBenchmark()
    {
        await using var proxy = await StartProxyAsync();
        var port = proxy.Port.ToString();
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("OK", (await RedisToolsTests.RunAsync("redis-cli", "-p", port, "SET", "cli:" + i, "v" + i)).Out.Trim());
        }
        Assert.Equal(string.Join("\n", Enumerable.Range(0, 10).Select(i => "v" + i)),
            (await RedisToolsTests.RunAsync("redis-cli", ["-p", port, "MGET", .. Enumerable.Range(0, 10).Select(i => "cli:" + i)])).Out.Trim());
        var script = Path.Combine(Path.GetTempPath(), $"sc-cluster-py-{Environment.ProcessId}.py");
        await File.WriteAllTextAsync(script, """
            import sys, redis
            r = redis.Redis(host='127.0.0.1', port=int(sys.argv[1]), socket_timeout=10)
            keys = ['py:%d' % i for i in range(100)]
            for i, k in enumerate(keys):
                assert r.set(k, i)
            assert [int(v) for v in r.mget(keys)] == list(range(100))
            p = r.pipeline(transaction=False)
            for k in keys:
                p.incr(k)
            assert p.execute() == [i + 1 for i in range(100)]
            assert r.delete(*keys) == 100
            assert r.exists(*keys) == 0
            print('redis-py ok')
            """);
        try
        {
            var py = await RedisToolsTests.RunAsync("/usr/bin/python3", script, port);
            Assert.True(py.Exit == 0, py.Out + py.Err);
            Assert.Equal("redis-py ok", py.Out.Trim());
        }
        finally
        {
            File.Delete(script);
        }
        var bench = await RedisToolsTests.RunAsync("redis-benchmark", "-h", "127.0.0.1", "-p", port,
            "-t", "set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,lrange,mset", "-n", "20000", "-P", "16", "-q");
        var text = bench.Out + bench.Err;
        Assert.True(bench.Exit == 0, text);
        Assert.DoesNotContain("error", text, StringComparison.OrdinalIgnoreCase);
        foreach (var test in new[] { "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET", "SPOP", "LRANGE_100", "MSET" })
        {
            Assert.Matches($@"(^|[\r\n]){test}[^\r\n]*: [0-9.]+ requests per second", text);
        }
    }
}
