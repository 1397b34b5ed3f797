using System.Text;
using Sharpcracker.IntegrationTests.Redis;

namespace Sharpcracker.IntegrationTests.Replication;

/// <summary>
/// Pub/sub through a Sentinel pool across a failover (docs/redis.md, "Pub/sub"): the channel lives
/// on the group's master; after SENTINEL FAILOVER the proxy subscribes it on the new master and
/// the client, still subscribed, receives what is published there.
/// </summary>
public sealed class SentinelPubSubTests
{
    private const string Group = "mymaster";

    private static string Bulk(string s) => $"${Encoding.UTF8.GetByteCount(s)}\r\n{s}\r\n";

    [Fact]
    public async Task Failover_SubscriptionMovesToTheNewMaster_ClientStaysSubscribed()
    {
        using var set = await RedisReplicaSet.StartAsync(replicas: 1);
        await set.StartSentinelsAsync(Group);
        var port = FreePort.Next();
        var yaml = $"""
            hapubsub:
              listen: 127.0.0.1:{port}
              redis: true
              timeout: 2000
              sentinels:
            {string.Concat(set.Sentinels.Select(s => $"    - 127.0.0.1:{s.Port}\n"))}  servers:
                - 127.0.0.1:6379:1 {Group}

            """;
        await using var proxy = await TestProxy.StartAsync(yaml, port, threads: 2);
        using var pub = new RespConnection(port);
        await Poll.UntilAsync(async () => await pub.CallAsync("SET", "w", "1") == "+OK\r\n" ? "" : null, TimeSpan.FromSeconds(30), "writes succeed through the proxy");
        using var sub = new RespConnection(port);
        Assert.Equal($"*3\r\n{Bulk("subscribe")}{Bulk("fo-news")}:1\r\n", await sub.CallAsync("SUBSCRIBE", "fo-news"));
        var before = await set.SentinelMasterPortAsync(Group);
        using (var master = new RespConnection(before))
        {
            Assert.Equal(":1\r\n", await master.CallAsync("PUBLISH", "fo-news", "before"));
        }
        Assert.Equal($"*3\r\n{Bulk("message")}{Bulk("fo-news")}{Bulk("before")}", await sub.ReadReplyAsync());

        await Poll.UntilAsync(async () =>
        {
            using var s = new RespConnection(set.Sentinels[0].Port);
            return await s.CallAsync("SENTINEL", "FAILOVER", Group) == "+OK\r\n" ? "" : null;
        }, TimeSpan.FromSeconds(30), "SENTINEL FAILOVER accepted");
        var after = await Poll.UntilAsync(async () => await set.SentinelMasterPortAsync(Group) is var p && p != before ? (object)p : null,
            TimeSpan.FromSeconds(30), "a new master");
        // Subscribed on the new master itself (not only hearing what replication forwards to the old one).
        using var newMaster = new RespConnection((int)after);
        Assert.True(await Poll.EventuallyAsync(async () => await newMaster.CallAsync("PUBSUB", "NUMSUB", "fo-news") == $"*2\r\n{Bulk("fo-news")}:1\r\n"),
            "the proxy subscribed the channel on the new master");
        Assert.Equal(":1\r\n", await newMaster.CallAsync("PUBLISH", "fo-news", "after"));
        Assert.Equal($"*3\r\n{Bulk("message")}{Bulk("fo-news")}{Bulk("after")}", await sub.ReadReplyAsync());
        Assert.Equal($"*2\r\n{Bulk("pong")}{Bulk("")}", await sub.CallAsync("PING"));
    }
}
