using System.Diagnostics;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Redis;

/// <summary>
/// Blocking commands through a Redis pool: woken by a producer on another connection while the
/// shared connection to the same server keeps serving others; not cut by the pool's timeout;
/// later commands of the client wait for the blocked one, as on one server; the same replies as
/// redis-server for the commands' quick cases and errors; a client that leaves while blocked
/// frees the server; the dedicated connection limit; the server dying under a blocked client.
/// </summary>
public sealed class BlockingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Blpop_WokenByAProducer_WhileOtherClientsOfThatServerAreServed()
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port], "timeout: 500");
        using var consumer = new RespConnection(proxy.Port);
        using var other = new RespConnection(proxy.Port);
        using var producer = new RespConnection(proxy.Port);
        await consumer.SendAsync(RespConnection.Encode("BLPOP", "queue", "0"));
        // The consumer is blocked on its server (seen by the server itself) ...
        Assert.True(await Poll.EventuallyAsync(async () => await BlockedClientsAsync(b1) + await BlockedClientsAsync(b2) == 1));
        // ... while other clients' commands, the queue's own key included, are answered at once.
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("+OK\r\n", await other.CallAsync("SET", "queue:side:" + i, "v"));
            Assert.Equal(":0\r\n", await other.CallAsync("LLEN", "queue"));
        }
        Assert.Equal(":1\r\n", await producer.CallAsync("RPUSH", "queue", "job-1"));
        Assert.Equal("*2\r\n$5\r\nqueue\r\n$5\r\njob-1\r\n", await consumer.ReadReplyAsync());
        // The same client blocks again on the connection it was given back.
        await consumer.SendAsync(RespConnection.Encode("BRPOP", "queue", "0"));
        Assert.True(await Poll.EventuallyAsync(async () => await BlockedClientsAsync(b1) + await BlockedClientsAsync(b2) == 1));
        Assert.Equal(":1\r\n", await producer.CallAsync("LPUSH", "queue", "job-2"));
        Assert.Equal("*2\r\n$5\r\nqueue\r\n$5\r\njob-2\r\n", await consumer.ReadReplyAsync());
    }

    [Fact]
    public async Task BlockLongerThanThePoolsTimeout_IsNotCut_ItsOwnTimeoutAnswersNil()
    {
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port], "timeout: 200");
        using var c = new RespConnection(proxy.Port);
        var watch = Stopwatch.StartNew();
        Assert.Equal("*-1\r\n", await c.CallAsync("BLPOP", "empty", "1"));
        output.WriteLine($"BLPOP empty 1 answered after {watch.ElapsedMilliseconds} ms (pool timeout 200 ms)");
        Assert.Equal("*-1\r\n", await c.CallAsync("XREAD", "BLOCK", "600", "STREAMS", "stream", "$"));
        Assert.Equal("+PONG\r\n", await c.CallAsync("PING"));
    }

    [Fact]
    public async Task CommandsPipelinedBehindABlockedOne_WaitForIt_AsOnOneServer()
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port]);
        using var c = new RespConnection(proxy.Port);
        using var producer = new RespConnection(proxy.Port);
        // LLEN after BLPOP must see the list after the pop: it is not run while BLPOP blocks.
        await c.SendAsync([.. RespConnection.Encode("DEL", "jobs"), .. RespConnection.Encode("BLPOP", "jobs", "0"), .. RespConnection.Encode("LLEN", "jobs"), .. RespConnection.Encode("GET", "elsewhere")]);
        Assert.Equal(":0\r\n", await c.ReadReplyAsync());
        Assert.True(await Poll.EventuallyAsync(async () => await BlockedClientsAsync(b1) + await BlockedClientsAsync(b2) == 1));
        Assert.Equal(":2\r\n", await producer.CallAsync("RPUSH", "jobs", "a", "b"));
        Assert.Equal("*2\r\n$4\r\njobs\r\n$1\r\na\r\n", await c.ReadReplyAsync());
        Assert.Equal(":1\r\n", await c.ReadReplyAsync());
        Assert.Equal("$-1\r\n", await c.ReadReplyAsync());
    }

    [Fact]
    public async Task QuickCasesAndErrors_SameRepliesAsRedisServer()
    {
        using var direct = RedisServer.Start();
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port]);
        string[][] commands =
        [
            ["RPUSH", "l", "a", "b", "c"], ["ZADD", "z", "1", "m1", "2", "m2"], ["XADD", "s", "1-1", "f", "v"],
            ["BLPOP", "l", "0.01"], ["BRPOP", "l", "0"], ["BRPOPLPUSH", "l", "l2", "0"], ["BLMOVE", "l2", "l", "LEFT", "RIGHT", "0"],
            ["BLMPOP", "0", "2", "nolist", "l", "LEFT", "COUNT", "5"], ["BZPOPMIN", "z", "0"], ["BZPOPMAX", "z", "0"],
            ["ZADD", "z", "3", "m3"], ["BZMPOP", "0.01", "1", "z", "MIN"],
            ["BLPOP", "nolist", "0.01"], ["BZPOPMIN", "noz", "0.01"], ["BLMPOP", "0.01", "1", "nolist", "LEFT"],
            ["XREAD", "COUNT", "1", "STREAMS", "s", "0"], ["XREAD", "BLOCK", "10", "STREAMS", "s", "0"], ["XREAD", "BLOCK", "10", "STREAMS", "s", "$"],
            ["BLPOP", "l", "-1"], ["BLPOP", "l", "abc"], ["BLPOP", "l"], ["BLMPOP", "0", "0", "l", "LEFT"], ["XREAD", "BLOCK", "x", "STREAMS", "s", "0"],
            ["XREAD", "BLOCK", "10", "STREAMS", "s"], ["SET", "str", "v"], ["BLPOP", "str", "0"], ["WAIT", "0", "0"], ["WAIT", "x", "0"],
        ];
        using var d = new RespConnection(direct.Port);
        using var p = new RespConnection(proxy.Port);
        var mismatches = await Differential.RedisDifferentialTests.MismatchesAsync(d, p, commands.Select(c => new Differential.RedisCorpus.Command(c, SameServerOnly: false)));
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task ClientLeavesWhileBlocked_TheServerNoLongerBlocks_AndItsConnectionIsClosed()
    {
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port]);
        using var direct = new RespConnection(backend.Port);
        using (var warm = new RespConnection(proxy.Port))
        {
            Assert.Equal(":0\r\n", await warm.CallAsync("DEL", "q")); // the shared connection is open
        }
        var baseline = await TransactionTests.ConnectedClientsAsync(direct);
        using (var c = new RespConnection(proxy.Port))
        {
            await c.SendAsync(RespConnection.Encode("BLPOP", "q", "0"));
            Assert.True(await Poll.EventuallyAsync(async () => await BlockedClientsAsync(backend) == 1));
        }
        Assert.True(await Poll.EventuallyAsync(async () => await BlockedClientsAsync(backend) == 0 && await TransactionTests.ConnectedClientsAsync(direct) == baseline));
        // The stats tell the same: one dedicated connection was opened, none is open now.
        var stats = proxy.Host.Pools.Single().Stats.Servers.Single();
        Assert.Equal(1, stats.DedicatedConnectionsOpened);
        Assert.Equal(0, stats.DedicatedConnections);
        // An element pushed now stays in the list: nobody popped it for the client that left.
        using var producer = new RespConnection(proxy.Port);
        Assert.Equal(":1\r\n", await producer.CallAsync("RPUSH", "q", "kept"));
        Assert.Equal(":1\r\n", await producer.CallAsync("LLEN", "q"));
    }

    [Fact]
    public async Task DedicatedConnectionLimit_OneMoreBlockingClientGetsAClearError_ThenOneIsFree()
    {
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port], "dedicated_connections: 1");
        using var first = new RespConnection(proxy.Port);
        using var second = new RespConnection(proxy.Port);
        await first.SendAsync(RespConnection.Encode("BLPOP", "q", "0"));
        Assert.True(await Poll.EventuallyAsync(async () => await BlockedClientsAsync(backend) == 1));
        var refused = await second.CallAsync("BLPOP", "q", "0");
        Assert.StartsWith("-ERR too many dedicated connections to server ", refused);
        Assert.Contains("dedicated_connections: 1", refused);
        Assert.Equal("+OK\r\n", await second.CallAsync("MULTI")); // answered by the proxy
        Assert.StartsWith("-ERR too many dedicated connections", await second.CallAsync("SET", "k", "v"));
        Assert.Equal("-EXECABORT Transaction discarded because of previous errors.\r\n", await second.CallAsync("EXEC"));
        Assert.Equal(":1\r\n", await second.CallAsync("RPUSH", "q", "x"));
        Assert.Equal("*2\r\n$1\r\nq\r\n$1\r\nx\r\n", await first.ReadReplyAsync());
        // The connection is free again: the second client gets it.
        Assert.Equal("*-1\r\n", await second.CallAsync("BLPOP", "q", "0.05"));
    }

    [Fact]
    public async Task ServerDiesUnderABlockedClient_ItGetsAnError_AndBlocksAgainOnceTheServerIsBack()
    {
        var port = FreePort.Next();
        var server = RedisServer.StartOnPort(port);
        try
        {
            await using var proxy = await TestProxy.StartRedisAsync([port]);
            using var c = new RespConnection(proxy.Port);
            await c.SendAsync(RespConnection.Encode("BLPOP", "q", "0"));
            using (var direct = new RespConnection(port))
            {
                Assert.True(await Poll.EventuallyAsync(async () => (await direct.CallAsync("INFO", "clients")).Contains("blocked_clients:1")));
            }
            server.Dispose();
            var failed = await c.ReadReplyAsync();
            Assert.StartsWith("-", failed);
            output.WriteLine("blocked client got: " + failed.Trim());
            server = RedisServer.StartOnPort(port);
            var popped = await Poll.UntilAsync(async () =>
            {
                using var producer = new RespConnection(port);
                await producer.CallAsync("RPUSH", "q", "after");
                var reply = await c.CallAsync("BLPOP", "q", "1");
                return reply.StartsWith('*') && reply != "*-1\r\n" ? reply : null;
            }, TimeSpan.FromSeconds(30), "BLPOP on the restarted server");
            Assert.Equal("*2\r\n$1\r\nq\r\n$5\r\nafter\r\n", popped);
        }
        finally
        {
            server.Dispose();
        }
    }


    internal static async Task<int> BlockedClientsAsync(ExternalProcess server)
    {
        using var direct = new RespConnection(server.Port);
        var info = await direct.CallAsync("INFO", "clients");
        var line = info.Split("\r\n").First(l => l.StartsWith("blocked_clients:", StringComparison.Ordinal));
        return int.Parse(line["blocked_clients:".Length..]);
    }
}
