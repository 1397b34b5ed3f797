using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Sharpcracker.Stats;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Replication;

/// <summary>
/// A Sentinel pool against real servers: one master, two replicas, three sentinels (fresh config
/// files, down-after 1000 ms). Failovers by kill -9 under pipelined load and by SENTINEL FAILOVER,
/// the old master restarted empty, a replica down. Timings are measured and printed, never asserted.
/// </summary>
public sealed class SentinelFailoverTests(ITestOutputHelper output)
{
    private const string Group = "mymaster";

    private static string PoolYaml(string pool, int port, RedisReplicaSet set, string policy) => $"""
        {pool}:
          listen: 127.0.0.1:{port}
          redis: true
          timeout: 2000
          read_policy: {policy}
          sentinels:
        {string.Concat(set.Sentinels.Select(s => $"    - 127.0.0.1:{s.Port}\n"))}  servers:
            - 127.0.0.1:6379:1 {Group}

        """;

    /// <summary>Every sentinel's +switch-master, first one kept (Stopwatch ms).</summary>
    private sealed class SwitchWatcher : IDisposable
    {
        private readonly List<RespConnection> _connections = [];
        private readonly Stopwatch _clock;
        private readonly ConcurrentQueue<(long At, string Event)> _events = new();

        public SwitchWatcher(RedisReplicaSet set, Stopwatch clock)
        {
            _clock = clock;
            foreach (var s in set.Sentinels)
            {
                var c = new RespConnection(s.Port);
                _connections.Add(c);
                c.SendAsync(RespConnection.Encode("SUBSCRIBE", "+switch-master")).GetAwaiter().GetResult();
                c.ReadReplyAsync().GetAwaiter().GetResult();
                _ = Task.Run(async () =>
                {
                    try
                    {
                        while (true)
                        {
                            var message = await c.ReadReplyAsync();
                            _events.Enqueue((_clock.ElapsedMilliseconds, message));
                        }
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
                    {
                    }
                });
            }
        }

        /// <summary>Earliest announcement after <paramref name="since"/>, or null.</summary>
        public long? FirstAfter(long since) => _events.Where(e => e.At >= since).Select(e => (long?)e.At).Min();

        public void Dispose()
        {
            foreach (var c in _connections)
            {
                c.Dispose();
            }
        }
    }

    /// <summary>Pipelined SET+GET batches through the proxy; every reply recorded with its time.</summary>
    private sealed class Load(int port, Stopwatch clock)
    {
        public readonly ConcurrentDictionary<string, string> Acked = new();
        public readonly ConcurrentQueue<(long At, bool Write, bool Ok, string Reply)> Replies = new();
        private volatile bool _stop;
        private Task? _task;

        public void Start() => _task = Task.Run(RunAsync);

        public async Task StopAsync()
        {
            _stop = true;
            await _task!;
        }

        private async Task RunAsync()
        {
            using var c = new RespConnection(port);
            var seq = 0;
            while (!_stop)
            {
                var batch = new List<byte>();
                var keys = new List<string>();
                for (var i = 0; i < 8; i++)
                {
                    var key = "load:" + seq++;
                    keys.Add(key);
                    batch.AddRange(RespConnection.Encode("SET", key, key));
                    batch.AddRange(RespConnection.Encode("GET", "seed:" + (seq % 50)));
                }
                await c.SendAsync([.. batch]);
                var errors = false;
                foreach (var key in keys)
                {
                    var set = await c.ReadReplyAsync();
                    Replies.Enqueue((clock.ElapsedMilliseconds, true, set == "+OK\r\n", set));
                    if (set == "+OK\r\n")
                    {
                        Acked[key] = key;
                    }
                    var get = await c.ReadReplyAsync();
                    var ok = get.StartsWith('$');
                    Replies.Enqueue((clock.ElapsedMilliseconds, false, ok, get));
                    errors |= set != "+OK\r\n" || !ok;
                }
                if (errors)
                {
                    await Task.Delay(5); // pacing while the group has no master, not synchronisation
                }
            }
        }

        public long? FirstOkWriteAfter(long since) => Replies.Where(r => r.Write && r.Ok && r.At >= since).Select(r => (long?)r.At).Min();

        /// <summary>The longest stretch without an acknowledged write: (last ack before it, first ack after it).</summary>
        public (long From, long To) LongestWriteGap()
        {
            var acks = Replies.Where(r => r.Write && r.Ok).Select(r => r.At).Order().ToArray();
            var best = (From: 0L, To: 0L);
            for (var i = 1; i < acks.Length; i++)
            {
                if (acks[i] - acks[i - 1] > best.To - best.From)
                {
                    best = (acks[i - 1], acks[i]);
                }
            }
            return best;
        }
    }

    private static async Task<int> WritableAsync(int port)
    {
        using var c = new RespConnection(port);
        return (await c.CallAsync("SET", "probe", "1")) == "+OK\r\n" ? 1 : 0;
    }

    private static Task WaitWritableAsync(int port) => Poll.UntilAsync(async () => await WritableAsync(port) == 1 ? "" : null, TimeSpan.FromSeconds(30), "writes succeed through the proxy");

    [Fact]
    public async Task KillMasterUnderLoad_WritesMoveToNewMaster_ReadsContinue_RestartedEmptyMasterIgnored()
    {
        using var set = await RedisReplicaSet.StartAsync(replicas: 2);
        await set.StartSentinelsAsync(Group);
        var port = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync(PoolYaml("hakill", port, set, "prefer_replica"), port, threads: 2);
        await WaitWritableAsync(port);
        using (var c = new RespConnection(port))
        {
            for (var i = 0; i < 50; i++)
            {
                Assert.Equal("+OK\r\n", await c.CallAsync("SET", "seed:" + i, "s"));
            }
        }
        await RedisReplicaSet.WaitReplicatedAsync(set.Master.Port, 2);

        var clock = Stopwatch.StartNew();
        using var watcher = new SwitchWatcher(set, clock);
        var load = new Load(port, clock);
        load.Start();
        await Poll.UntilAsync(() => Task.FromResult(load.Acked.Count > 500 ? "" : null), TimeSpan.FromSeconds(30), "load running");
        var oldMasterPort = set.Master.Port;
        set.Master.Dispose(); // kill -9
        var killedAt = clock.ElapsedMilliseconds;
        var switchedAt = await Poll.UntilAsync(() => Task.FromResult(watcher.FirstAfter(killedAt) is { } t ? (object)t : null), TimeSpan.FromSeconds(30), "+switch-master");
        var recoveredAt = await Poll.UntilAsync(() => Task.FromResult(load.FirstOkWriteAfter((long)switchedAt) is { } t ? (object)t : null), TimeSpan.FromSeconds(30), "writes after the switch");
        var ackedBefore = load.Acked.Count;
        await Poll.UntilAsync(() => Task.FromResult(load.Acked.Count > ackedBefore + 500 ? "" : null), TimeSpan.FromSeconds(30), "load after the switch");
        await load.StopAsync();

        var replies = load.Replies.ToArray();
        var readsWhileDown = replies.Where(r => !r.Write && r.At > killedAt && r.At < (long)switchedAt).ToArray();
        var gap = load.LongestWriteGap();
        output.WriteLine($"kill -9 -> +switch-master {(long)switchedAt - killedAt} ms; writes acknowledged again {gap.To - (long)switchedAt} ms after the first +switch-master; longest stretch without an acknowledged write {gap.To - gap.From} ms");
        output.WriteLine($"reads between kill and switch: {readsWhileDown.Count(r => r.Ok)} ok, {readsWhileDown.Count(r => !r.Ok)} failed ({string.Join(" | ", readsWhileDown.Where(r => !r.Ok).Select(r => r.Reply.Trim()).Distinct().Take(3))})");
        output.WriteLine($"write errors: {string.Join(" | ", replies.Where(r => r.Write && !r.Ok).Select(r => r.Reply.Trim()).Distinct().Take(5))}");

        // Nothing was ever sent as a write to a replica (it would have answered READONLY).
        Assert.DoesNotContain(replies, r => r.Reply.Contains("READONLY", StringComparison.Ordinal));
        // prefer_replica: reads kept being served by the replicas while the master was down.
        Assert.Contains(readsWhileDown, r => r.Ok);

        // Acknowledged writes on the new master: what kill -9 lost is what replication had not shipped.
        var newMasterPort = await set.SentinelMasterPortAsync(Group);
        Assert.NotEqual(oldMasterPort, newMasterPort);
        var lost = 0;
        using (var direct = new RespConnection(newMasterPort))
        {
            foreach (var key in load.Acked.Keys)
            {
                lost += (await direct.CallAsync("EXISTS", key)) == ":1\r\n" ? 0 : 1;
            }
        }
        output.WriteLine($"acknowledged writes: {load.Acked.Count}, missing on the new master: {lost}");

        // The old master comes back empty, claiming to be a master until Sentinel converts it:
        // writes through the proxy keep going to the new master, so none of them is lost.
        var restarted = set.Restart(0);
        var marks = new List<string>();
        using (var c = new RespConnection(port))
        {
            await Poll.UntilAsync(async () =>
            {
                var key = "mark:" + marks.Count;
                if (await c.CallAsync("SET", key, "1") == "+OK\r\n")
                {
                    marks.Add(key);
                }
                string role;
                try
                {
                    using var r = new RespConnection(restarted.Port);
                    role = await r.CallAsync("ROLE");
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
                {
                    // Sentinel's reconfiguration (REPLICAOF, CLIENT KILL) resets client connections
                    // of the restarted server: ask again on a fresh one.
                    return null;
                }
                return role.Contains("slave", StringComparison.Ordinal) && marks.Count > 20 ? "" : null;
            }, TimeSpan.FromSeconds(40), "the restarted master converted to a replica");
        }
        // Under a loaded machine Sentinel may fail over once more while the marks are written (seen
        // once in a full suite: the restarted node converted, then the new master replaced by the
        // other replica); the proxy follows it, so the marks are checked on the master Sentinel names now.
        var finalMasterPort = await set.SentinelMasterPortAsync(Group);
        if (finalMasterPort != newMasterPort)
        {
            output.WriteLine($"a second failover during the marks: {newMasterPort} -> {finalMasterPort}");
        }
        using (var direct = new RespConnection(finalMasterPort))
        {
            var missing = new List<string>();
            foreach (var key in marks)
            {
                if (await direct.CallAsync("EXISTS", key) != ":1\r\n")
                {
                    missing.Add(key);
                }
            }
            Assert.True(missing.Count == 0, $"{missing.Count} of {marks.Count} marks missing on the master {finalMasterPort} (sentinel now says {await set.SentinelMasterPortAsync(Group)}; after the kill {newMasterPort}): {string.Join(",", missing.Take(5))}; old master {oldMasterPort}, calls there: {string.Join(",", (await RedisReplicaSet.CommandCallsAsync(oldMasterPort)).Select(kv => kv.Key + "=" + kv.Value))}");
        }
    }

    [Fact]
    public async Task RepeatedSentinelFailovers_WritesFollow_ReplicaDownSkipped()
    {
        using var set = await RedisReplicaSet.StartAsync(replicas: 2);
        await set.StartSentinelsAsync(Group);
        var port = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync(PoolYaml("harepeat", port, set, "replica"), port, threads: 2);
        await WaitWritableAsync(port);
        var clock = Stopwatch.StartNew();
        using var watcher = new SwitchWatcher(set, clock);
        var recoveries = new List<long>();
        for (var round = 0; round < 3; round++)
        {
            var before = await set.SentinelMasterPortAsync(Group);
            var load = new Load(port, clock);
            load.Start();
            var asked = clock.ElapsedMilliseconds;
            await Poll.UntilAsync(async () =>
            {
                using var s = new RespConnection(set.Sentinels[0].Port);
                return await s.CallAsync("SENTINEL", "FAILOVER", Group) == "+OK\r\n" ? "" : null; // -INPROG while the last one settles
            }, TimeSpan.FromSeconds(30), "SENTINEL FAILOVER accepted");
            var switchedAt = await Poll.UntilAsync(() => Task.FromResult(watcher.FirstAfter(asked) is { } t ? (object)t : null), TimeSpan.FromSeconds(30), "+switch-master");
            var recoveredAt = await Poll.UntilAsync(() => Task.FromResult(load.FirstOkWriteAfter((long)switchedAt) is { } t ? (object)t : null), TimeSpan.FromSeconds(30), "writes after the switch");
            await load.StopAsync();
            var after = await set.SentinelMasterPortAsync(Group);
            Assert.NotEqual(before, after);
            Assert.DoesNotContain(load.Replies, r => r.Reply.Contains("READONLY", StringComparison.Ordinal));
            // Writes acknowledged after the switch are on the new master (none went to the old one,
            // which stays a master for ~10 s and then drops what it took).
            recoveries.Add(0);
            // Acknowledged writes the new master lacks: those the old master took after the
            // promotion and before the proxy switched (Redis drops them when it demotes it).
            var lost = 0;
            using (var direct = new RespConnection(after))
            {
                foreach (var key in load.Acked.Keys)
                {
                    lost += await direct.CallAsync("EXISTS", key) == ":1\r\n" ? 0 : 1;
                }
            }
            var gap = load.LongestWriteGap();
            recoveries[^1] = gap.To - (long)switchedAt;
            output.WriteLine($"failover {round + 1}: {before} -> {after}; writes refused for {gap.To - gap.From} ms, acknowledged again {gap.To - (long)switchedAt} ms after the first +switch-master (negative: before it); write errors {load.Replies.Count(r => r.Write && !r.Ok)}; acknowledged {load.Acked.Count}, missing on the new master {lost}");
            // Every sentinel must see the demoted master as a linked replica before the next round.
            Assert.Equal(after, await set.WaitSettledAsync(Group));
        }
        output.WriteLine($"writes acknowledged again after the first +switch-master (ms): {string.Join(", ", recoveries)}");
        var stats = Sharpcracker.Stats.StatsRegistry.Pools.Single(p => p.Name == "harepeat");
        Assert.Equal(3, stats.Failovers);

        // A replica down: reads (policy replica) skip it and keep succeeding on the other one.
        var master = await set.SentinelMasterPortAsync(Group);
        var victim = set.Nodes.First(n => n!.Port != master)!;
        victim.Dispose();
        await Poll.UntilAsync(async () =>
        {
            using var c = new RespConnection(port);
            for (var i = 0; i < 20; i++)
            {
                if ((await c.CallAsync("GET", "k" + i)).StartsWith('-'))
                {
                    return null;
                }
            }
            return "";
        }, TimeSpan.FromSeconds(30), "reads served by the remaining replica");
    }
}

/// <summary>Several Sentinel groups in one pool: keys placed as over plain servers with the same names; sentinels with a password.</summary>
public sealed class SentinelShardingTests
{
    [Fact]
    public async Task TwoGroups_ShardLikePlainServersWithTheSameNames_SentinelAuth()
    {
        using var a = await RedisReplicaSet.StartAsync(replicas: 1);
        using var b = await RedisReplicaSet.StartAsync(replicas: 1);
        await a.StartSentinelsAsync("group-a", password: "sentinel-secret", others: [("group-b", b)]);
        var port = FreePort.Next();
        var plainPort = FreePort.Next();
        const string tag = "\"{}\"";
        var yaml = $"""
            sharded:
              listen: 127.0.0.1:{port}
              redis: true
              hash: murmur
              hash_tag: {tag}
              distribution: ketama
              read_policy: replica
              sentinel_auth: sentinel-secret
              sentinels:
            {string.Concat(a.Sentinels.Select(s => $"    - 127.0.0.1:{s.Port}\n"))}  servers:
                - 127.0.0.1:1:1 group-a
                - 127.0.0.1:1:2 group-b
            plain:
              listen: 127.0.0.1:{plainPort}
              redis: true
              hash: murmur
              hash_tag: {tag}
              distribution: ketama
              servers:
                - 127.0.0.1:{a.Master.Port}:1 group-a
                - 127.0.0.1:{b.Master.Port}:2 group-b

            """;
        await using var proxy = await TestProxy.StartAsync(yaml, port, threads: 2);
        using var c = new RespConnection(port);
        await Poll.UntilAsync(async () => await c.CallAsync("SET", "probe", "1") == "+OK\r\n" ? "" : null, TimeSpan.FromSeconds(30), "both groups discovered");
        var keys = Enumerable.Range(0, 200).Select(i => i % 10 == 0 ? $"{{tag}}:{i}" : $"key:{i}").ToArray();
        foreach (var k in keys)
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", k, k));
        }
        // The plain pool over the same names and weights finds every key where the Sentinel pool put it.
        using var plain = new RespConnection(plainPort);
        foreach (var k in keys)
        {
            Assert.Equal($"${k.Length}\r\n{k}\r\n", await plain.CallAsync("GET", k));
        }
        using var ma = new RespConnection(a.Master.Port);
        using var mb = new RespConnection(b.Master.Port);
        var onA = long.Parse((await ma.CallAsync("DBSIZE"))[1..^2], System.Globalization.CultureInfo.InvariantCulture);
        var onB = long.Parse((await mb.CallAsync("DBSIZE"))[1..^2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(onA > 0 && onB > 0, $"keys on both groups ({onA}, {onB})");
        // Reads (policy replica) come back from each group's replica, after replication.
        foreach (var set in new[] { a, b })
        {
            await RedisReplicaSet.WaitReplicatedAsync(set.Master.Port, 1);
        }
        foreach (var k in keys.Take(50))
        {
            Assert.Equal($"${k.Length}\r\n{k}\r\n", await c.CallAsync("GET", k));
        }
        var replicaGets = (await RedisReplicaSet.CommandCallsAsync(a.Replicas.Single().Port)).GetValueOrDefault("get")
            + (await RedisReplicaSet.CommandCallsAsync(b.Replicas.Single().Port)).GetValueOrDefault("get");
        Assert.Equal(50, replicaGets);
        // A multi-key command within a hash tag stays on one group; across groups it is refused as over plain servers.
        Assert.StartsWith("-WRONGTYPE", await c.CallAsync("SUNION", "{tag}:0", "{tag}:10")); // served by one server (the keys are strings)
        var crossGroup = 0;
        for (var i = 1; i < 20; i++)
        {
            var expected = await plain.CallAsync("SINTER", "key:1", "key:" + (i + 1));
            Assert.Equal(expected, await c.CallAsync("SINTER", "key:1", "key:" + (i + 1)));
            crossGroup += expected.StartsWith("-ERR keys of 'sinter' map to different servers", StringComparison.Ordinal) ? 1 : 0;
        }
        Assert.True(crossGroup > 0, "some pairs span the two groups");
    }
}
