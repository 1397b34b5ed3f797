using System.Diagnostics;
using Sharpcracker.IntegrationTests.Differential;
using Sharpcracker.Routing;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Cluster;

/// <summary>
/// A Redis Cluster changing under load behind the proxy: slots migrating (resharding) and a
/// master killed (failover). Each test has its own cluster.
/// </summary>
public sealed class RedisClusterTopologyTests(ITestOutputHelper output)
{
    /// <summary>
    /// Four slots of one master migrate to another (SETSLOT IMPORTING/MIGRATING, MIGRATE a few keys at a
    /// time, SETSLOT NODE) while verifying clients pipeline INCR and GET over every key of those slots:
    /// every reply is the expected one, and no increment is lost.
    /// </summary>
    [Fact]
    public async Task Resharding_UnderPipelinedLoad_NoWrongRepliesNoLostWrites()
    {
        using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 0);
        await using var proxy = await TestProxy.StartRedisAsync([cluster.Ports[0]], "distribution: redis_cluster");
        var nodes = await cluster.NodesAsync();
        var source = nodes.First(n => n.IsMaster);
        var target = nodes.First(n => n.IsMaster && n.Id != source.Id);
        // Four hash tags whose slots the source serves, 40 keys each.
        var tags = new List<(string Tag, int Slot)>();
        for (var i = 0; tags.Count < 4 && i < 1000; i++)
        {
            var slot = await cluster.KeySlotAsync("rs" + i);
            if (source.Serves(slot) && tags.All(t => t.Slot != slot))
            {
                tags.Add(("rs" + i, slot));
            }
        }
        Assert.Equal(4, tags.Count);
        var keys = tags.SelectMany(t => Enumerable.Range(0, 40).Select(k => $"{{{t.Tag}}}:{k}")).ToArray();
        const int clients = 4;
        var expected = new long[keys.Length];
        var wrong = new List<string>();
        long rounds = 0;
        using var stop = new CancellationTokenSource();
        async Task VerifyAsync(int client)
        {
            using var c = new RespConnection(proxy.Port);
            var mine = Enumerable.Range(0, keys.Length).Where(k => k % clients == client).ToArray();
            while (!stop.IsCancellationRequested)
            {
                // One pipeline: INCR then GET of each of this client's keys.
                await c.SendAsync(mine.SelectMany(k => RespConnection.Encode("INCR", keys[k]).Concat(RespConnection.Encode("GET", keys[k]))).ToArray());
                foreach (var k in mine)
                {
                    var incr = await c.ReadReplyAsync();
                    var get = await c.ReadReplyAsync();
                    var value = (expected[k] + 1).ToString();
                    if (incr != $":{value}\r\n" || get != $"${value.Length}\r\n{value}\r\n")
                    {
                        lock (wrong)
                        {
                            wrong.Add($"{keys[k]} expected {value}: INCR {RedisDifferentialTests.Show(incr)} GET {RedisDifferentialTests.Show(get)}");
                        }
                        return; // the expected values of this client are unknown from here on
                    }
                    expected[k]++;
                }
                Interlocked.Increment(ref rounds);
            }
        }
        async Task NextRoundAsync()
        {
            // Traffic between migration steps: wait until the verifiers have completed more rounds.
            var goal = Interlocked.Read(ref rounds) + clients;
            await Poll.UntilAsync<object>(() => Task.FromResult(Interlocked.Read(ref rounds) >= goal || wrong.Count > 0 ? new object() : null),
                TimeSpan.FromSeconds(30), "the verifying clients made no progress");
        }
        var verifiers = Enumerable.Range(0, clients).Select(i => Task.Run(() => VerifyAsync(i))).ToArray();
        using var info = new RespConnection(proxy.Port);
        var before = await RedisClusterTests.ClusterCountersAsync(info);
        var clock = Stopwatch.StartNew();
        await NextRoundAsync();
        foreach (var (_, slot) in tags)
        {
            await cluster.MigrateSlotAsync(slot, target, batch: 5, between: NextRoundAsync);
            await NextRoundAsync();
        }
        await NextRoundAsync();
        stop.Cancel();
        await Task.WhenAll(verifiers).WaitAsync(TimeSpan.FromSeconds(60));
        var after = await RedisClusterTests.ClusterCountersAsync(info);
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(10)));
        // No lost write: every key's value on its new master is the number of increments acknowledged.
        using var direct = new RespConnection(target.Port);
        for (var k = 0; k < keys.Length; k++)
        {
            var value = expected[k].ToString();
            Assert.Equal($"${value.Length}\r\n{value}\r\n", await direct.CallAsync("GET", keys[k]));
        }
        var moved = after["cluster_moved"] - before["cluster_moved"];
        var ask = after["cluster_ask"] - before["cluster_ask"];
        output.WriteLine($"resharding: 4 slots, {keys.Length} keys, {rounds} verified rounds ({expected.Sum() * 2} commands) in {clock.ElapsedMilliseconds} ms; " +
            $"wrong replies 0, lost writes 0; redirects followed: {moved} MOVED, {ask} ASK; map changes {after["cluster_map_changes"] - before["cluster_map_changes"]}");
        Assert.True(ask > 0, "no ASK was followed: the verifiers never met a slot in migration");
        Assert.Equal(0, after["cluster_redirect_limit"]);
    }

    /// <summary>
    /// A seed that is not in cluster mode: refreshes fail (counted, logged once) and every command
    /// goes to that seed, so the pool still works as a one-server pool.
    /// </summary>
    [Fact]
    public async Task SeedWithoutClusterMode_RefreshFails_CommandsGoToTheSeed()
    {
        using var plain = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([plain.Port], "distribution: redis_cluster");
        using var c = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await c.CallAsync("MSET", "a", "1", "b", "2"));
        Assert.Equal("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", await c.CallAsync("MGET", "a", "b"));
        await Poll.UntilAsync(async () => (await RedisClusterTests.ClusterCountersAsync(c))["cluster_refresh_failures"] > 0 ? new object() : null,
            TimeSpan.FromSeconds(10), "no failed refresh was counted");
        Assert.Equal(0, (await RedisClusterTests.ClusterCountersAsync(c))["cluster_refreshes"]);
    }

    /// <summary>
    /// Two nodes that send each other's MOVED for ever (a real cluster cannot be made to do this, so
    /// scripted backends): the proxy follows 5 redirects, then the 6th MOVED reaches the client.
    /// </summary>
    [Fact]
    public async Task RedirectLoop_StopsAtTheLimit_LastRedirectReachesTheClient()
    {
        FakeBackend? a = null, b = null;
        string? Answer(string line, Func<int> self, Func<int> other) => line switch
        {
            "SLOTS" => $"*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:{self()}\r\n",
            "GET" => $"-MOVED 12182 127.0.0.1:{other()}\r\n",
            _ => null,
        };
        a = new FakeBackend((_, line) => Answer(line, () => a!.Port, () => b!.Port));
        b = new FakeBackend((_, line) => Answer(line, () => b!.Port, () => a!.Port));
        using (a)
        using (b)
        {
            await using var proxy = await TestProxy.StartRedisAsync([a.Port], "distribution: redis_cluster");
            using var c = new RespConnection(proxy.Port);
            var reply = await c.CallAsync("GET", "foo");
            Assert.Matches(@"^-MOVED 12182 127\.0\.0\.1:\d+\r\n$", reply);
            var counters = await RedisClusterTests.ClusterCountersAsync(c);
            Assert.Equal(1, counters["cluster_redirect_limit"]);
            Assert.Equal(6, counters["cluster_moved"]);
            // The original send plus 5 retries, alternating between the two nodes.
            Assert.Equal(6, a.Received.Count(l => l == "GET") + b.Received.Count(l => l == "GET"));
        }
    }

    /// <summary>
    /// kill -9 of a master while clients write: writes to its slots fail for a while, then succeed on
    /// the promoted replica without a restart of the proxy. Reports the time it took.
    /// </summary>
    [Fact]
    public async Task MasterKilled_UnderLoad_WritesSucceedAgainOnThePromotedReplica()
    {
        using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        await using var proxy = await TestProxy.StartRedisAsync([cluster.Ports[0], cluster.Ports[1]], "distribution: redis_cluster\ntimeout: 2000");
        // A second proxy reads under prefer_master: from the replica while the master is down.
        await using var readProxy = await TestProxy.StartRedisAsync([cluster.Ports[0]], "distribution: redis_cluster\ntimeout: 2000\nread_policy: prefer_master");
        var nodes = await cluster.NodesAsync();
        // A master that is not a seed: once it has left the map for the grace period, it leaves the server list.
        var victim = nodes.First(n => n.IsMaster && n.Port != cluster.Ports[0] && n.Port != cluster.Ports[1]);
        var replica = nodes.Single(n => n.MasterId == victim.Id);
        string? tag = null;
        for (var i = 0; tag is null; i++)
        {
            if (victim.Serves(await cluster.KeySlotAsync("fo" + i)))
            {
                tag = "fo" + i;
            }
        }
        // Background load on keys of every master.
        using var stop = new CancellationTokenSource();
        long ok = 0, failed = 0;
        async Task LoadAsync(int client)
        {
            using var c = new RespConnection(proxy.Port);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var batch = Enumerable.Range(0, 16).Select(j => RespConnection.Encode("SET", $"load:{client}:{(i * 16 + j) % 500}", "v")).SelectMany(b => b).ToArray();
                await c.SendAsync(batch);
                for (var j = 0; j < 16; j++)
                {
                    if ((await c.ReadReplyAsync()) == "+OK\r\n")
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
            }
        }
        var load = Enumerable.Range(0, 3).Select(i => Task.Run(() => LoadAsync(i))).ToArray();
        using var writer = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await writer.CallAsync("SET", $"{{{tag}}}:k", "before"));
        await Poll.UntilAsync<object>(() => Task.FromResult(Interlocked.Read(ref ok) > 1000 ? new object() : null), TimeSpan.FromSeconds(30), "no load");
        // The reader's map lists the victim's replica (CLUSTER SLOTS names a replica only once the cluster has its offset).
        using (var info = new RespConnection(readProxy.Port))
        {
            await Poll.UntilAsync(async () => (await info.CallAsync("INFO")).Contains($"127.0.0.1:{replica.Port}", StringComparison.Ordinal) ? "" : null,
                TimeSpan.FromSeconds(30), "the read proxy's map never listed the replica");
        }

        var clock = Stopwatch.StartNew();
        cluster.Kill(victim.Port);
        long firstError = -1, recovered = -1;
        string? lastError = null;
        var written = "";
        using var reader = new RespConnection(readProxy.Port);
        int readsOk = 0, readsFailed = 0, readsOkWhileWritesFail = 0;
        var readErrors = new Dictionary<string, int>();
        for (var i = 0; recovered < 0; i++)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"writes to the killed master's slots still fail after 60 s: {lastError}");
            var read = await reader.CallAsync("GET", $"{{{tag}}}:k");
            if (read.StartsWith('$'))
            {
                readsOk++;
                readsOkWhileWritesFail += firstError >= 0 ? 1 : 0;
            }
            else
            {
                readsFailed++;
                readErrors[read.Trim()] = readErrors.GetValueOrDefault(read.Trim()) + 1;
            }
            var reply = await writer.CallAsync("SET", $"{{{tag}}}:k", "after" + i);
            if (reply == "+OK\r\n")
            {
                written = "after" + i;
                if (firstError >= 0)
                {
                    recovered = clock.ElapsedMilliseconds;
                }
            }
            else
            {
                lastError = reply.Trim();
                if (firstError < 0)
                {
                    firstError = clock.ElapsedMilliseconds;
                }
                await Task.Delay(10); // a failed write is retried at most every 10 ms, as a client would
            }
        }
        stop.Cancel();
        await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(60));
        // The replica now serves the slot, and the proxy writes there.
        var slot = await cluster.KeySlotAsync(tag!);
        Assert.Equal(replica.Id, (await cluster.MasterOfAsync(slot)).Id);
        using var direct = new RespConnection(replica.Port);
        Assert.Equal($"${written.Length}\r\n{written}\r\n", await direct.CallAsync("GET", $"{{{tag}}}:k"));
        output.WriteLine($"failover: first failed write {firstError} ms after kill -9, writes to its slots succeed again after {recovered} ms (last error: {lastError}); background load {ok} ok, {failed} failed");
        output.WriteLine($"prefer_master reads of those slots meanwhile: {readsOk} ok ({readsOkWhileWritesFail} while writes failed), {readsFailed} failed ({string.Join(", ", readErrors.Select(e => $"{e.Value} × {e.Key}"))})");
        // After the failover the reader's map has the promoted replica as master: reads see the last write.
        await Poll.UntilAsync(async () => await reader.CallAsync("GET", $"{{{tag}}}:k") == $"${written.Length}\r\n{written}\r\n" ? "" : null,
            TimeSpan.FromSeconds(30), "prefer_master reads never saw the write on the promoted master");

        // The dead master is no longer named by any map: after the grace period it leaves the pool's servers.
        Assert.Contains($",addr=127.0.0.1:{victim.Port},", await writer.CallAsync("INFO"));
        var pool = proxy.Host.Pools.Single();
        pool.Timings = pool.Timings with { ClusterDepartedNodeGrace = TimeSpan.FromSeconds(1) };
        await Poll.UntilAsync(async () => (await writer.CallAsync("INFO")).Contains($",addr=127.0.0.1:{victim.Port},", StringComparison.Ordinal) ? null : "",
            TimeSpan.FromSeconds(30), "the killed master stayed in the server list");
        Assert.Equal($"${written.Length}\r\n{written}\r\n", await writer.CallAsync("GET", $"{{{tag}}}:k"));
    }

    /// <summary>
    /// A replica killed: under prefer_replica its master's slots are read from the master, under
    /// replica they are refused with a clear error (no fallback), and the other masters' slots keep
    /// reading from their replicas under both.
    /// </summary>
    [Fact]
    public async Task ReplicaKilled_PreferReplicaReadsTheMaster_ReplicaPolicyRefuses()
    {
        using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        await using var prefer = await TestProxy.StartRedisAsync([cluster.Ports[0]], "distribution: redis_cluster\nread_policy: prefer_replica");
        await using var strict = await TestProxy.StartRedisAsync([cluster.Ports[0]], "distribution: redis_cluster\nread_policy: replica");
        var nodes = await cluster.NodesAsync();
        var victim = nodes.First(n => !n.IsMaster);
        var master = nodes.Single(n => n.Id == victim.MasterId);
        string Key(Func<int, bool> slotOk, string prefix) => Enumerable.Range(0, 1000).Select(i => prefix + i).First(k => slotOk(KeySlot(k)));
        var onVictim = Key(slot => master.Serves(slot), "rk");
        var elsewhere = Key(slot => !master.Serves(slot), "ro");
        using var pc = new RespConnection(prefer.Port);
        using var sc = new RespConnection(strict.Port);
        foreach (var key in new[] { onVictim, elsewhere })
        {
            Assert.Equal("+OK\r\n", await pc.CallAsync("SET", key, "v-" + key));
        }
        // Both proxies read both keys from replicas once those have them.
        foreach (var c in new[] { pc, sc })
        {
            foreach (var key in new[] { onVictim, elsewhere })
            {
                await Poll.UntilAsync(async () => await c.CallAsync("GET", key) == $"${2 + key.Length}\r\nv-{key}\r\n" ? "" : null,
                    TimeSpan.FromSeconds(30), $"{key} not read back from its replica");
            }
        }
        var masterGets = (await RedisReplicaSet.CommandCallsAsync(master.Port)).GetValueOrDefault("get");

        cluster.Kill(victim.Port);
        // prefer_replica: reads of the victim's slots go to its master (a read in flight at the kill may fail once).
        await Poll.UntilAsync(async () => await pc.CallAsync("GET", onVictim) == $"${2 + onVictim.Length}\r\nv-{onVictim}\r\n" ? "" : null,
            TimeSpan.FromSeconds(30), "prefer_replica never fell back to the master");
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"${2 + onVictim.Length}\r\nv-{onVictim}\r\n", await pc.CallAsync("GET", onVictim));
        }
        Assert.True((await RedisReplicaSet.CommandCallsAsync(master.Port)).GetValueOrDefault("get") - masterGets >= 20, "the master did not serve the fallback reads");
        // replica: no fallback; the error says why.
        await Poll.UntilAsync(async () => (await sc.CallAsync("GET", onVictim)).Contains("read_policy leaves none", StringComparison.Ordinal) ? "" : null,
            TimeSpan.FromSeconds(30), "replica policy did not refuse reads without a replica");
        Assert.Equal("-ERR no server for reads in this key's replication group (read_policy leaves none)\r\n", await sc.CallAsync("GET", onVictim));
        // Writes and the other masters' replicas are unaffected.
        Assert.Equal("+OK\r\n", await sc.CallAsync("SET", onVictim, "w"));
        foreach (var c in new[] { pc, sc })
        {
            Assert.Equal($"${2 + elsewhere.Length}\r\nv-{elsewhere}\r\n", await c.CallAsync("GET", elsewhere));
        }
    }

    private static int KeySlot(string key) => Sharpcracker.Routing.RedisClusterSlotMap.Slot(System.Text.Encoding.UTF8.GetBytes(key));
}
