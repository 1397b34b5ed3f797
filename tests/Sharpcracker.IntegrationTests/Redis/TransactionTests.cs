namespace Sharpcracker.IntegrationTests.Redis;

/// <summary>
/// MULTI / EXEC / DISCARD / WATCH / UNWATCH through a Redis pool: the same replies as one
/// redis-server for the same sequences (one backend, and three with hash-tagged keys), a WATCH
/// conflict from another client, a key of another server refused with CROSSSLOT and EXECABORT,
/// the transaction's server dying inside MULTI, a client leaving inside MULTI.
/// </summary>
public sealed class TransactionTests
{
    /// <summary>Sequences sent one command at a time on one connection; keys share the {t} hash tag.</summary>
    internal static readonly string[][] Sequence =
    [
        ["DEL", "{t}a", "{t}b", "{t}l"],
        ["MULTI"], ["SET", "{t}a", "1"], ["INCR", "{t}a"], ["GET", "{t}a"], ["MGET", "{t}a", "{t}b"], ["EXEC"],
        ["GET", "{t}a"],
        ["MULTI"], ["EXEC"],
        ["EXEC"], ["DISCARD"], ["UNWATCH"],
        ["MULTI"], ["MULTI"], ["SET", "{t}b", "2"], ["DISCARD"], ["GET", "{t}b"],
        ["MULTI"], ["PING"], ["ECHO", "e"], ["EXEC"],
        ["MULTI"], ["PING"], ["SET", "{t}b", "3"], ["ECHO", "x"], ["GET", "{t}b"], ["EXEC"],
        ["MULTI"], ["SET", "{t}a", "x"], ["NOSUCHCMD", "a"], ["EXEC"], ["GET", "{t}a"],
        ["MULTI"], ["SET", "{t}a"], ["EXEC"],
        ["MULTI"], ["SET", "{t}a", "v"], ["LPUSH", "{t}a", "x"], ["GET", "{t}a"], ["EXEC"],
        ["MULTI"], ["WATCH", "{t}a"], ["SET", "{t}a", "w"], ["EXEC"],
        ["WATCH", "{t}a", "{t}b"], ["GET", "{t}a"], ["MULTI"], ["SET", "{t}a", "watched"], ["EXEC"], ["GET", "{t}a"],
        ["WATCH", "{t}a"], ["UNWATCH"], ["MULTI"], ["INCR", "{t}a"], ["EXEC"],
        ["WATCH", "{t}a"], ["SET", "{t}a", "own"], ["MULTI"], ["SET", "{t}a", "after-own"], ["EXEC"], ["GET", "{t}a"],
        ["WATCH", "{t}a"], ["EXEC"], ["MULTI"], ["DISCARD"], ["GET", "{t}a"],
        ["MULTI"], ["RPUSH", "{t}l", "1", "2"], ["BLPOP", "{t}l", "0"], ["LRANGE", "{t}l", "0", "-1"], ["EXEC"],
        ["MULTI"], ["UNWATCH"], ["SET", "{t}b", "u"], ["EXEC"],
        ["PING"],
    ];

    [Fact]
    public async Task Sequences_OneBackend_SameRepliesAsRedisServer()
    {
        using var direct = RedisServer.Start();
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port]);
        await AssertSameRepliesAsync(direct.Port, proxy.Port);
    }

    [Fact]
    public async Task Sequences_ThreeBackends_SameRepliesAsRedisServer_AndSentOneWriteSameAgain()
    {
        using var direct = RedisServer.Start();
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port], "hash: murmur\nhash_tag: \"{}\"");
        await AssertSameRepliesAsync(direct.Port, proxy.Port);
        // The whole sequence in one write: the proxy waits where it changes connection, and the
        // replies are the same, in order.
        var bytes = Sequence.SelectMany(RespConnection.Encode).ToArray();
        var expected = await Differential.RedisDifferentialTests.SendAllAsync(direct.Port, bytes, Sequence.Length);
        var actual = await Differential.RedisDifferentialTests.SendAllAsync(proxy.Port, bytes, Sequence.Length);
        for (var i = 0; i < Sequence.Length; i++)
        {
            Assert.True(expected[i] == actual[i], $"{string.Join(' ', Sequence[i])}: direct {Show(expected[i])} proxy {Show(actual[i])}");
        }
    }

    private static async Task AssertSameRepliesAsync(int directPort, int proxyPort)
    {
        using var direct = new RespConnection(directPort);
        using var proxied = new RespConnection(proxyPort);
        var mismatches = await Differential.RedisDifferentialTests.MismatchesAsync(direct, proxied, Sequence.Select(c => new Differential.RedisCorpus.Command(c, SameServerOnly: false)));
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task WatchedKeyChangedByAnotherClient_ExecAnswersNil_AsRedisServer()
    {
        using var direct = RedisServer.Start();
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port]);
        foreach (var port in new[] { direct.Port, proxy.Port })
        {
            using var a = new RespConnection(port);
            using var other = new RespConnection(port);
            Assert.Equal("+OK\r\n", await a.CallAsync("WATCH", "balance"));
            Assert.Equal("+OK\r\n", await other.CallAsync("SET", "balance", "100"));
            Assert.Equal("+OK\r\n", await a.CallAsync("MULTI"));
            Assert.Equal("+QUEUED\r\n", await a.CallAsync("INCRBY", "balance", "5"));
            Assert.Equal("*-1\r\n", await a.CallAsync("EXEC"));
            Assert.Equal("$3\r\n100\r\n", await a.CallAsync("GET", "balance"));
            // Retried without interference, it commits.
            Assert.Equal("+OK\r\n", await a.CallAsync("WATCH", "balance"));
            Assert.Equal("+OK\r\n", await a.CallAsync("MULTI"));
            Assert.Equal("+QUEUED\r\n", await a.CallAsync("INCRBY", "balance", "5"));
            Assert.Equal("*1\r\n:105\r\n", await a.CallAsync("EXEC"));
        }
    }

    [Fact]
    public async Task KeyOfAnotherServerInsideMulti_RefusedWithCrossSlot_ExecAborts_OtherKeysUntouched()
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port], "hash: murmur");
        using var c = new RespConnection(proxy.Port);
        var (first, other) = await KeysOnTwoServersAsync(c, [b1, b2, b3]);
        Assert.Equal("+OK\r\n", await c.CallAsync("MULTI"));
        Assert.Equal("+QUEUED\r\n", await c.CallAsync("SET", first, "in-tx"));
        var refused = await c.CallAsync("SET", other, "in-tx");
        Assert.StartsWith("-CROSSSLOT ", refused);
        Assert.Equal("-EXECABORT Transaction discarded because of previous errors.\r\n", await c.CallAsync("EXEC"));
        Assert.Equal("$-1\r\n", await c.CallAsync("GET", first));
        // A multi-key command spanning servers is refused the same way; WATCH of keys on two servers too.
        Assert.Equal("+OK\r\n", await c.CallAsync("MULTI"));
        Assert.StartsWith("-CROSSSLOT ", await c.CallAsync("MGET", first, other));
        Assert.Equal("+OK\r\n", await c.CallAsync("DISCARD"));
        Assert.StartsWith("-CROSSSLOT ", await c.CallAsync("WATCH", first, other));
        Assert.Equal("+OK\r\n", await c.CallAsync("SET", other, "outside"));
        Assert.Equal("$7\r\noutside\r\n", await c.CallAsync("GET", other));
    }

    [Fact]
    public async Task ServerDiesInsideMulti_CommandsFail_ExecAborts_NextTransactionRunsOnTheRestartedServer()
    {
        var port = FreePort.Next();
        var server = RedisServer.StartOnPort(port);
        try
        {
            await using var proxy = await TestProxy.StartRedisAsync([port], "timeout: 2000");
            using var c = new RespConnection(proxy.Port);
            Assert.Equal("+OK\r\n", await c.CallAsync("MULTI"));
            Assert.Equal("+QUEUED\r\n", await c.CallAsync("SET", "k", "1"));
            server.Dispose();
            var failed = await c.CallAsync("SET", "k", "2");
            Assert.StartsWith("-", failed);
            Assert.Equal("-EXECABORT Transaction discarded because of previous errors.\r\n", await c.CallAsync("EXEC"));
            server = RedisServer.StartOnPort(port);
            using var direct = new RespConnection(port);
            // Nothing of the lost transaction ran on the new server, and a new transaction commits there.
            var committed = await Poll.UntilAsync(async () =>
            {
                await c.CallAsync("MULTI");
                await c.CallAsync("INCR", "k");
                var exec = await c.CallAsync("EXEC");
                return exec.StartsWith('*') ? exec : null;
            }, TimeSpan.FromSeconds(30), "a transaction on the restarted server");
            Assert.Equal("*1\r\n:1\r\n", committed);
            Assert.Equal("$1\r\n1\r\n", await direct.CallAsync("GET", "k"));
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task ClientLeavesInsideMultiOrWatch_ItsConnectionIsClosed_IdleOnesAreReused()
    {
        using var backend = RedisServer.Start();
        // One worker: every client shares its server connections and its idle dedicated ones, so
        // the server's client count says exactly what was opened and closed (with two workers a
        // client of the other one would open connections of its own).
        var port = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync(TestProxy.OnePool("pool", port, [backend.Port], "redis: true", "r"), port, threads: 1);
        using var direct = new RespConnection(backend.Port);
        using (var warm = new RespConnection(proxy.Port))
        {
            Assert.Equal("+PONG\r\n", await warm.CallAsync("PING"));
            Assert.Equal("+OK\r\n", await warm.CallAsync("SET", "x", "1")); // the shared connection is open
        }
        var baseline = await ConnectedClientsAsync(direct);
        using (var c = new RespConnection(proxy.Port))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal("+OK\r\n", await c.CallAsync("MULTI"));
                Assert.Equal("+QUEUED\r\n", await c.CallAsync("INCR", "x"));
                Assert.Equal("*1\r\n:" + (2 + i) + "\r\n", await c.CallAsync("EXEC"));
            }
        }
        // Three transactions one after the other (one client, so one worker): one dedicated
        // connection, given back after each EXEC and reused.
        Assert.Equal(baseline + 1, await ConnectedClientsAsync(direct));
        foreach (var leaveInside in new[] { "MULTI", "WATCH" })
        {
            using (var c = new RespConnection(proxy.Port))
            {
                Assert.Equal("+OK\r\n", leaveInside == "MULTI" ? await c.CallAsync("MULTI") : await c.CallAsync("WATCH", "x"));
                Assert.Equal(leaveInside == "MULTI" ? "+QUEUED\r\n" : "$1\r\n4\r\n", await c.CallAsync("GET", "x"));
            }
            // The connection that held the MULTI (or WATCH) is closed, never handed to the next client.
            Assert.True(await Poll.EventuallyAsync(async () => await ConnectedClientsAsync(direct) == baseline),
                $"{leaveInside}: the server still has {await ConnectedClientsAsync(direct)} clients, baseline {baseline}");
        }
    }

    [Fact]
    public async Task ClientList_ShowsTransactionsBlockedAndSubscribedClients_AsRedisServer()
    {
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port]);
        using var inMulti = new RespConnection(proxy.Port);
        using var blocked = new RespConnection(proxy.Port);
        using var subscriber = new RespConnection(proxy.Port);
        using var observer = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await inMulti.CallAsync("CLIENT", "SETNAME", "tx"));
        Assert.Equal("+OK\r\n", await blocked.CallAsync("CLIENT", "SETNAME", "blocked"));
        Assert.Equal("+OK\r\n", await subscriber.CallAsync("CLIENT", "SETNAME", "sub"));
        Assert.Equal("+OK\r\n", await inMulti.CallAsync("MULTI"));
        Assert.Equal("+QUEUED\r\n", await inMulti.CallAsync("SET", "a", "1"));
        Assert.Equal("+QUEUED\r\n", await inMulti.CallAsync("GET", "a"));
        await blocked.SendAsync(RespConnection.Encode("BLPOP", "q", "0"));
        Assert.StartsWith("*3\r\n$9\r\nsubscribe\r\n", await subscriber.CallAsync("SUBSCRIBE", "news"));
        var lines = await Poll.UntilAsync(async () =>
        {
            var list = (await observer.CallAsync("CLIENT", "LIST")).Split('\n');
            return list.Any(l => l.Contains(" name=blocked ") && l.Contains(" flags=b ")) ? list : null;
        }, TimeSpan.FromSeconds(20), "the blocked client listed with flags=b");
        Assert.Contains(lines, l => l.Contains(" name=tx ") && l.Contains(" flags=x ") && l.Contains(" multi=2 "));
        Assert.Contains(lines, l => l.Contains(" name=sub ") && l.Contains(" flags=P ") && l.Contains(" sub=1 psub=0 ssub=0 "));
        Assert.Contains(lines, l => l.Contains(" flags=N ") && l.Contains(" multi=-1 ") && l.Contains(" cmd=client|list "));
    }


    /// <summary>The server's connected_clients, less the connection asking.</summary>
    internal static async Task<int> ConnectedClientsAsync(RespConnection direct)
    {
        var info = await direct.CallAsync("INFO", "clients");
        var line = info.Split("\r\n").First(l => l.StartsWith("connected_clients:", StringComparison.Ordinal));
        return int.Parse(line["connected_clients:".Length..]) - 1;
    }

    /// <summary>Two keys the pool places on different servers (found by asking the servers where a SET landed).</summary>
    internal static async Task<(string, string)> KeysOnTwoServersAsync(RespConnection proxied, ExternalProcess[] servers)
    {
        var byServer = new Dictionary<int, string>();
        for (var i = 0; byServer.Count < 2 && i < 200; i++)
        {
            var key = "key:" + i;
            Assert.Equal("+OK\r\n", await proxied.CallAsync("SET", key, "probe"));
            foreach (var server in servers)
            {
                using var direct = new RespConnection(server.Port);
                if (await direct.CallAsync("EXISTS", key) == ":1\r\n")
                {
                    byServer.TryAdd(server.Port, key);
                }
            }
            Assert.Equal(":1\r\n", await proxied.CallAsync("DEL", key));
        }
        Assert.True(byServer.Count >= 2, "no two keys on different servers");
        var keys = byServer.Values.ToArray();
        return (keys[0], keys[1]);
    }

    private static string Show(string reply) => reply.Replace("\r\n", "\\r\\n");
}
