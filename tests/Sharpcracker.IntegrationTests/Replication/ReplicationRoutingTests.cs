using Sharpcracker.OperatorConsole;
using Sharpcracker.Stats;

namespace Sharpcracker.IntegrationTests.Replication;

/// <summary>
/// Which server executes what in a replication group: a real master with two linked replicas,
/// read from each server's INFO commandstats (reset before each step).
/// </summary>
public sealed class ReplicationRoutingTests
{
    private static async Task ResetStatsAsync(RedisReplicaSet set)
    {
        foreach (var n in set.Nodes.OfType<ExternalProcess>())
        {
            using var c = new RespConnection(n.Port);
            Assert.Equal("+OK\r\n", await c.CallAsync("CONFIG", "RESETSTAT"));
        }
    }

    /// <summary>Calls of <paramref name="command"/> on the master, and on each replica.</summary>
    private static async Task<(long Master, long[] Replicas)> CallsAsync(RedisReplicaSet set, string command)
    {
        var master = (await RedisReplicaSet.CommandCallsAsync(set.Master.Port)).GetValueOrDefault(command);
        var replicas = new List<long>();
        foreach (var r in set.Nodes.Skip(1).OfType<ExternalProcess>())
        {
            replicas.Add((await RedisReplicaSet.CommandCallsAsync(r.Port)).GetValueOrDefault(command));
        }
        return (master, [.. replicas]);
    }

    /// <summary>Replicas have applied everything the master acknowledged so far.</summary>
    private static async Task SyncAsync(RedisReplicaSet set)
    {
        await RedisReplicaSet.WaitReplicatedAsync(set.Master.Port, 2);
    }

    private static string ForkFile(int port, int plainPort, RedisReplicaSet set, string extra = "") => $"""
        global:
          worker_processes: 2
          max_openfiles: 4096
          worker_shutdown_timeout: 5
        pools:
          rwfork:
            listen: 127.0.0.1:{port}
            redis: true
            hash: fnv1a_64
            distribution: ketama
            auto_eject_hosts: true
            server_retry_timeout: 2000
        {extra}    servers:
              - 127.0.0.1:{set.Master.Port}:1 master
              - 127.0.0.1:{set.Replicas.First().Port}:1 replica1
              - 127.0.0.1:{set.Replicas.Last().Port}:1 replica2
          plain:
            listen: 127.0.0.1:{plainPort}
            redis: true
            servers:
              - 127.0.0.1:{set.Master.Port}:1

        """;

    [Fact]
    public async Task ForkMasterRule_WritesToMaster_ForkReadListHashedOverReplicas()
    {
        using var set = await RedisReplicaSet.StartAsync(replicas: 2);
        var port = FreePort.Next();
        var plainPort = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync(ForkFile(port, plainPort, set), port, threads: 2);
        using var c = new RespConnection(port);
        var keys = Enumerable.Range(0, 40).Select(i => "key:" + i).ToArray();

        await ResetStatsAsync(set);
        foreach (var k in keys)
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", k, "v-" + k));
            Assert.Equal(":1\r\n", await c.CallAsync("HSET", "h" + k, "f", "x"));
        }
        var set1 = await CallsAsync(set, "set");
        Assert.Equal(40, set1.Master); // every write executed on the master (replicas only replay them)
        await SyncAsync(set);

        await ResetStatsAsync(set);
        foreach (var k in keys)
        {
            Assert.Equal($"${2 + k.Length}\r\nv-{k}\r\n", await c.CallAsync("GET", k));
        }
        var get = await CallsAsync(set, "get");
        Assert.Equal(0, get.Master);
        Assert.Equal(40, get.Replicas.Sum());
        Assert.All(get.Replicas, n => Assert.True(n > 0, "reads are hashed over both replicas"));

        // The same key always reads from the same replica.
        await ResetStatsAsync(set);
        for (var i = 0; i < 10; i++)
        {
            await c.CallAsync("GET", "key:7");
        }
        Assert.Contains(10, (await CallsAsync(set, "get")).Replicas);

        // The fork's list misses HMGET: it goes to the master. HGET is on it: a replica.
        await ResetStatsAsync(set);
        Assert.StartsWith("*1\r\n", await c.CallAsync("HMGET", "hkey:1", "f"));
        Assert.Equal("$1\r\nx\r\n", await c.CallAsync("HGET", "hkey:1", "f"));
        var hmget = await CallsAsync(set, "hmget");
        var hget = await CallsAsync(set, "hget");
        Assert.Equal((1, 0), (hmget.Master, hmget.Replicas.Sum()));
        Assert.Equal((0, 1), (hget.Master, hget.Replicas.Sum()));

        // MGET over many keys: split over the replicas by key, merged in order; EXISTS too.
        await ResetStatsAsync(set);
        var mget = await c.CallAsync(["MGET", .. keys]);
        Assert.StartsWith("*40\r\n$7\r\nv-key:0\r\n", mget);
        Assert.Equal(":40\r\n", await c.CallAsync(["EXISTS", .. keys]));
        var mgets = await CallsAsync(set, "mget");
        Assert.Equal(0, mgets.Master);
        Assert.All(mgets.Replicas, n => Assert.True(n > 0));
        Assert.Equal(0, (await CallsAsync(set, "exists")).Master);

        // The fork's master-only commands: forwarded to the master in this pool.
        await ResetStatsAsync(set);
        Assert.Equal("+OK\r\n", await c.CallAsync("RENAME", "key:1", "key:1b"));
        Assert.Equal(":1\r\n", await c.CallAsync("RENAMENX", "key:2", "key:2b"));
        Assert.Equal(":1\r\n", await c.CallAsync("MSETNX", "n1", "a", "n2", "b"));
        Assert.StartsWith(":", await c.CallAsync("BITOP", "OR", "dest", "key:3", "key:4"));
        Assert.StartsWith("*2\r\n$", await c.CallAsync("SCAN", "0"));
        foreach (var cmd in new[] { "rename", "renamenx", "msetnx", "bitop", "scan" })
        {
            var calls = await CallsAsync(set, cmd);
            Assert.True(calls.Master == 1, $"{cmd} on the master");
        }
        // Scripts and anything not on the list: the master.
        await ResetStatsAsync(set);
        Assert.Equal("$1\r\n1\r\n", await c.CallAsync("EVAL", "return '1'", "1", "key:5"));
        Assert.Equal(1, (await CallsAsync(set, "eval")).Master);

        // In the fork's layout a pool without a master knows none of them (the fork's rule).
        using var plain = new RespConnection(plainPort);
        Assert.StartsWith("-ERR unknown command 'RENAME'", await plain.CallAsync("RENAME", "a", "b"));
        Assert.StartsWith("-ERR unknown command 'SCAN'", await plain.CallAsync("SCAN", "0"));
        Assert.Equal("+OK\r\n", await plain.CallAsync("SET", "plainkey", "1"));

        // Stats: each server's role (from ROLE), group, and the reads and writes routed to it.
        var stats = Sharpcracker.Stats.StatsRegistry.Pools.Single(p => p.Name == "rwfork");
        var json = System.Text.Json.JsonDocument.Parse(Sharpcracker.OperatorConsole.TwemproxyStatsJson.RenderText([stats])).RootElement.GetProperty("rwfork");
        Assert.Equal(0, json.GetProperty("failovers").GetInt64());
        await Poll.UntilAsync(() => Task.FromResult(stats.Servers.All(s => s.Replication!.Role != "unknown") ? "" : null), TimeSpan.FromSeconds(10), "roles checked");
        json = System.Text.Json.JsonDocument.Parse(Sharpcracker.OperatorConsole.TwemproxyStatsJson.RenderText([stats])).RootElement.GetProperty("rwfork");
        Assert.Equal("master", json.GetProperty("master").GetProperty("role").GetString());
        Assert.True(json.GetProperty("master").GetProperty("writes").GetInt64() >= 80);
        Assert.Equal(0, json.GetProperty("master").GetProperty("reads").GetInt64()); // the fork's rule: reads only on replicas
        foreach (var r in new[] { "replica1", "replica2" })
        {
            Assert.Equal("slave", json.GetProperty(r).GetProperty("role").GetString());
            Assert.Equal(0, json.GetProperty(r).GetProperty("writes").GetInt64());
            Assert.True(json.GetProperty(r).GetProperty("reads").GetInt64() > 0);
        }
    }

    [Fact]
    public async Task ReadPolicies_FollowRedisReadonlyFlag_AndFallBack()
    {
        using var set = await RedisReplicaSet.StartAsync(replicas: 2);
        var ports = new Dictionary<string, int>();
        var pools = "";
        foreach (var policy in new[] { "master", "prefer_master", "replica", "prefer_replica", "any" })
        {
            ports[policy] = FreePort.Next();
            pools += $"""
                {policy}:
                  listen: 127.0.0.1:{ports[policy]}
                  redis: true
                  read_policy: {policy}
                  servers:
                    - 127.0.0.1:{set.Master.Port}:1 master
                    - 127.0.0.1:{set.Replicas.First().Port}:1 replica1
                    - 127.0.0.1:{set.Replicas.Last().Port}:1 replica2

                """;
        }
        await using var proxy = await TestProxy.StartAsync(pools, ports["master"], threads: 2);
        using (var w = new RespConnection(ports["master"]))
        {
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal("+OK\r\n", await w.CallAsync("SET", "k" + i, "v"));
                Assert.Equal(":1\r\n", await w.CallAsync("ZADD", "z" + i, "1", "m"));
                Assert.Equal(":1\r\n", await w.CallAsync("HSET", "h" + i, "f", "x"));
            }
        }
        await SyncAsync(set);

        // (calls on the master, on the live replicas), or null when a reply was an error.
        async Task<(long Master, long Replicas)?> TryRun(string policy, string command, params string[][] calls)
        {
            await ResetStatsAsync(set);
            using var c = new RespConnection(ports[policy]);
            var errors = 0;
            foreach (var call in calls)
            {
                errors += (await c.CallAsync(call)).StartsWith('-') ? 1 : 0;
            }
            var n = await CallsAsync(set, command);
            return errors > 0 ? null : (n.Master, n.Replicas.Sum());
        }
        async Task<(long Master, long Replicas)> Run(string policy, string command, params string[][] calls)
            => await TryRun(policy, command, calls) ?? throw new Xunit.Sdk.XunitException($"{command} through {policy}: an error reply");
        string[][] Gets(string cmd, params string[] extra) => [.. Enumerable.Range(0, 20).Select(i => (string[])[cmd, (cmd.StartsWith('Z') ? "z" : cmd.StartsWith('H') ? "h" : "k") + i, .. extra])];

        Assert.Equal((20, 0), await Run("master", "get", Gets("GET")));
        Assert.Equal((20, 0), await Run("prefer_master", "get", Gets("GET")));
        Assert.Equal((0, 20), await Run("replica", "get", Gets("GET")));
        Assert.Equal((0, 20), await Run("prefer_replica", "get", Gets("GET")));
        var any = await Run("any", "get", Gets("GET"));
        Assert.Equal(20, any.Master + any.Replicas);
        Assert.True(any.Master > 0 && any.Replicas > 0, "any spreads over master and replicas");
        // Readonly by Redis 7's flags though missing from the fork's list: replicas.
        Assert.Equal((0, 20), await Run("replica", "zrevrangebyscore", Gets("ZREVRANGEBYSCORE", "+inf", "-inf")));
        Assert.Equal((0, 20), await Run("replica", "hmget", Gets("HMGET", "f")));
        // Writes, scripts (even EVAL_RO) and blocking-free writes: the master.
        // (Replicas replay the master's writes, so only the master's count tells; a write sent to a
        // replica would have been refused with READONLY, an error reply.)
        Assert.Equal(20, (await Run("replica", "append", Gets("APPEND", "x"))).Master);
        Assert.Equal((1, 0), await Run("replica", "eval_ro", ["EVAL_RO", "return 1", "1", "k1"]));
        Assert.Equal((1, 0), await Run("any", "eval", ["EVAL", "return 1", "1", "k1"]));

        // A replica down: replica skips it; prefer_replica falls back to the master when both are.
        set.Nodes[1]!.Dispose();
        set.Nodes[1] = null;
        await Poll.UntilAsync(async () => await TryRun("replica", "get", Gets("GET")) == (0, 20) ? "" : null, TimeSpan.FromSeconds(20), "reads skip the dead replica");
        set.Nodes[2]!.Dispose();
        set.Nodes[2] = null;
        await Poll.UntilAsync(async () => await TryRun("prefer_replica", "get", Gets("GET")) == (20, 0) ? "" : null, TimeSpan.FromSeconds(20), "prefer_replica falls back to the master");
        using var c = new RespConnection(ports["replica"]);
        Assert.StartsWith("-ERR", await c.CallAsync("GET", "k1")); // replica: no fallback
    }

    /// <summary>A RESP3 client of a replication pool: reads on a replica's RESP3 connection, writes on the master's, replies in RESP3.</summary>
    [Fact]
    public async Task Resp3Client_ReadsOnReplicas_WritesOnTheMaster()
    {
        using var set = await RedisReplicaSet.StartAsync(replicas: 2);
        var port = FreePort.Next();
        var yaml = $"""
            group:
              listen: 127.0.0.1:{port}
              redis: true
              read_policy: replica
              servers:
                - 127.0.0.1:{set.Master.Port}:1 master
                - 127.0.0.1:{set.Replicas.First().Port}:1 replica1

            """;
        await using var proxy = await TestProxy.StartAsync(yaml, port, threads: 1);
        using var c = new RespConnection(port);
        Assert.Contains("$5\r\nproto\r\n:3\r\n", await c.CallAsync("HELLO", "3"));
        Assert.Equal(":2\r\n", await c.CallAsync("HSET", "h3", "a", "1", "b", "2"));
        await SyncAsync(set);
        Assert.Equal("%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n", await c.CallAsync("HGETALL", "h3"));
        Assert.Equal("_\r\n", await c.CallAsync("GET", "missing"));
        using var replica = new RespConnection(set.Replicas.First().Port);
        var clients = await replica.CallAsync("CLIENT", "LIST");
        Assert.Contains(clients.Split('\n'), l => l.Contains("resp=3") && l.Contains("cmd=get"));
        using var master = new RespConnection(set.Master.Port);
        Assert.Contains((await master.CallAsync("CLIENT", "LIST")).Split('\n'), l => l.Contains("resp=3") && l.Contains("cmd=hset"));
    }
    /// <summary>
    /// Under read_policy replica, a transaction (reads included) and a blocking pop run on the
    /// master, on its dedicated connections; replicas see none of them.
    /// </summary>
    [Fact]
    public async Task TransactionsAndBlockingCommands_RunOnTheMaster_EvenWhenReadsGoToReplicas()
    {
        using var set = await RedisReplicaSet.StartAsync(replicas: 1);
        var port = FreePort.Next();
        var yaml = $"""
            group:
              listen: 127.0.0.1:{port}
              redis: true
              read_policy: replica
              servers:
                - 127.0.0.1:{set.Master.Port}:1 master
                - 127.0.0.1:{set.Replicas.First().Port}:1 replica1

            """;
        await using var proxy = await TestProxy.StartAsync(yaml, port, threads: 1);
        using var c = new RespConnection(port);
        using var producer = new RespConnection(port);
        await ResetStatsAsync(set);
        Assert.Equal("+OK\r\n", await c.CallAsync("MULTI"));
        Assert.Equal("+QUEUED\r\n", await c.CallAsync("GET", "tx"));
        Assert.Equal("+QUEUED\r\n", await c.CallAsync("SET", "tx", "1"));
        Assert.Equal("*2\r\n$-1\r\n+OK\r\n", await c.CallAsync("EXEC"));
        await c.SendAsync(RespConnection.Encode("BLPOP", "jobs", "0"));
        using (var master = new RespConnection(set.Master.Port))
        {
            Assert.True(await Poll.EventuallyAsync(async () => (await master.CallAsync("INFO", "clients")).Contains("blocked_clients:1")));
        }
        Assert.Equal(":1\r\n", await producer.CallAsync("RPUSH", "jobs", "j"));
        Assert.Equal("*2\r\n$4\r\njobs\r\n$1\r\nj\r\n", await c.ReadReplyAsync());
        var (execMaster, execReplicas) = await CallsAsync(set, "exec");
        Assert.Equal(1, execMaster);
        Assert.All(execReplicas, n => Assert.Equal(0, n));
        var (blpopMaster, blpopReplicas) = await CallsAsync(set, "blpop");
        Assert.Equal(1, blpopMaster);
        Assert.All(blpopReplicas, n => Assert.Equal(0, n));
    }
}
