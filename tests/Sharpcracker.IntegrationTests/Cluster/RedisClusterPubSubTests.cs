using System.Text;

namespace Sharpcracker.IntegrationTests.Cluster;

/// <summary>
/// Pub/sub through a redis_cluster pool over a real 6-node cluster (docs/redis.md, "Pub/sub"): a
/// channel and a pattern each deliver a message once (a pattern is subscribed on one node only,
/// since the cluster bus carries every PUBLISH everywhere), a shard channel lives on its slot's
/// owner, and when that slot moves to another master the subscription follows it.
/// </summary>
public sealed class RedisClusterPubSubTests
{
    private static string Bulk(string s) => $"${Encoding.UTF8.GetByteCount(s)}\r\n{s}\r\n";

    [Fact]
    public async Task ChannelsPatternsAndShardChannels_OnceEach_ShardChannelFollowsItsSlot()
    {
        using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        await using var proxy = await TestProxy.StartRedisAsync([cluster.Ports[0]], "distribution: redis_cluster");
        using var sub = new RespConnection(proxy.Port);
        using var pub = new RespConnection(proxy.Port);
        Assert.Equal($"*3\r\n{Bulk("subscribe")}{Bulk("news")}:1\r\n", await sub.CallAsync("SUBSCRIBE", "news"));
        Assert.Equal($"*3\r\n{Bulk("psubscribe")}{Bulk("ne*")}:2\r\n", await sub.CallAsync("PSUBSCRIBE", "ne*"));
        Assert.Equal($"*3\r\n{Bulk("ssubscribe")}{Bulk("{s}orders")}:1\r\n", await sub.CallAsync("SSUBSCRIBE", "{s}orders"));
        Assert.Equal("-CROSSSLOT Keys in request don't hash to the same slot\r\n", await sub.CallAsync("SSUBSCRIBE", "a", "b"));

        Assert.StartsWith(":", await pub.CallAsync("PUBLISH", "news", "n1"));
        Assert.Equal($"*3\r\n{Bulk("message")}{Bulk("news")}{Bulk("n1")}", await sub.ReadReplyAsync());
        Assert.Equal($"*4\r\n{Bulk("pmessage")}{Bulk("ne*")}{Bulk("news")}{Bulk("n1")}", await sub.ReadReplyAsync());
        // Nothing twice: the next thing the subscriber reads is its PING's answer.
        Assert.Equal($"*2\r\n{Bulk("pong")}{Bulk("")}", await sub.CallAsync("PING"));

        Assert.Equal(":1\r\n", await pub.CallAsync("SPUBLISH", "{s}orders", "o1"));
        Assert.Equal($"*3\r\n{Bulk("smessage")}{Bulk("{s}orders")}{Bulk("o1")}", await sub.ReadReplyAsync());

        // The shard channel's slot moves to another master: the old owner drops the subscription
        // (an unasked sunsubscribe), and the proxy subscribes at the new owner once its map knows it.
        var slot = await cluster.KeySlotAsync("{s}orders");
        var source = await cluster.MasterOfAsync(slot);
        var target = (await cluster.NodesAsync()).First(n => n.IsMaster && n.Id != source.Id);
        await cluster.MigrateSlotAsync(slot, target);
        using var direct = new RespConnection(target.Port);
        Assert.True(await Poll.EventuallyAsync(async () => await direct.CallAsync("SPUBLISH", "{s}orders", "o2") == ":1\r\n"),
            "the shard channel was subscribed again at the slot's new owner");
        Assert.Equal($"*3\r\n{Bulk("smessage")}{Bulk("{s}orders")}{Bulk("o2")}", await sub.ReadReplyAsync());
        Assert.Equal(":1\r\n", await pub.CallAsync("SPUBLISH", "{s}orders", "o3"));
        Assert.Equal($"*3\r\n{Bulk("smessage")}{Bulk("{s}orders")}{Bulk("o3")}", await sub.ReadReplyAsync());
        // The client never saw the move.
        Assert.Equal($"*2\r\n{Bulk("pong")}{Bulk("")}", await sub.CallAsync("PING"));
    }
}
