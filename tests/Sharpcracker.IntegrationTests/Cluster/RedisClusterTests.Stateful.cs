using Sharpcracker.IntegrationTests.Differential;
using Sharpcracker.IntegrationTests.Redis;

namespace Sharpcracker.IntegrationTests.Cluster;

/// <summary>Transactions and blocking commands through a redis_cluster pool (issue 28).</summary>
public sealed partial class RedisClusterTests
{
    [Fact]
    public async Task Transactions_OneSlot_SameRepliesAsOneRedisServer()
    {
        using var direct = RedisServer.Start();
        await using var proxy = await StartProxyAsync();
        using var d = new RespConnection(direct.Port);
        using var p = new RespConnection(proxy.Port);
        var mismatches = await RedisDifferentialTests.MismatchesAsync(d, p, TransactionTests.Sequence.Select(c => new Differential.RedisCorpus.Command(c, SameServerOnly: false)));
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task KeyOfAnotherNodeInsideMulti_TheNodesMovedReachesTheClient_ExecAborts()
    {
        await using var proxy = await StartProxyAsync();
        using var c = new RespConnection(proxy.Port);
        // Two keys whose slots have different masters.
        string? first = null, other = null;
        for (var i = 0; other is null && i < 100; i++)
        {
            var key = "tx:" + i;
            var master = await Cluster.MasterOfAsync(await Cluster.KeySlotAsync(key));
            if (first is null)
            {
                first = key;
            }
            else if (master.Port != (await Cluster.MasterOfAsync(await Cluster.KeySlotAsync(first))).Port)
            {
                other = key;
            }
        }
        Assert.NotNull(other);
        Assert.Equal("+OK\r\n", await c.CallAsync("MULTI"));
        Assert.Equal("+QUEUED\r\n", await c.CallAsync("SET", first!, "1"));
        var moved = await c.CallAsync("SET", other!, "1");
        Assert.StartsWith("-MOVED ", moved);
        Assert.StartsWith("-EXECABORT ", await c.CallAsync("EXEC"));
        Assert.Equal("$-1\r\n", await c.CallAsync("GET", first!));
        output.WriteLine($"inside MULTI: {moved.Trim()}");
    }

    [Fact]
    public async Task Blpop_OnTheSlotsMaster_WokenByAProducer()
    {
        await using var proxy = await StartProxyAsync();
        using var consumer = new RespConnection(proxy.Port);
        using var producer = new RespConnection(proxy.Port);
        await consumer.SendAsync(RespConnection.Encode("BLPOP", "cluster:queue", "0"));
        var master = await Cluster.MasterOfAsync(await Cluster.KeySlotAsync("cluster:queue"));
        using (var direct = new RespConnection(master.Port))
        {
            Assert.True(await Poll.EventuallyAsync(async () => (await direct.CallAsync("INFO", "clients")).Contains("blocked_clients:1")));
        }
        Assert.Equal(":1\r\n", await producer.CallAsync("RPUSH", "cluster:queue", "x"));
        Assert.Equal("*2\r\n$13\r\ncluster:queue\r\n$1\r\nx\r\n", await consumer.ReadReplyAsync());
    }
}
