namespace Sharpcracker.IntegrationTests.Redis.Clients;

/// <summary>
/// node-redis 6.3.1 and ioredis 6.0.0 pub/sub through a pool of three redis-servers, with their
/// defaults (RESP3 pushes) and with RESP2 forced (subscribed mode): 20 subscriber connections on
/// one channel get every message in order, a pattern hears it too, a shard channel works, and a
/// former subscriber runs ordinary commands again (tests/clients/node/pubsub-common.js).
/// </summary>
public sealed class NodePubSubTests
{
    [Theory]
    [InlineData("node-redis-pubsub.js", false)]
    [InlineData("node-redis-pubsub.js", true)]
    [InlineData("ioredis-pubsub.js", false)]
    [InlineData("ioredis-pubsub.js", true)]
    public async Task Client_FanOutPatternAndShardChannel_EveryMessageInOrder(string script, bool forceResp2)
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port]);
        var results = await ClientScripts.RunNodeAsync(script, proxy.Port, forceResp2 ? 2 : null, null);
        var subscribers = results.GetProperty("subscribers").GetInt32();
        var messages = results.GetProperty("messages").GetInt32();
        Assert.Equal(subscribers, results.GetProperty("complete").GetInt32());
        Assert.Equal(messages, results.GetProperty("patternMessages").GetInt32());
        Assert.Equal(1, results.GetProperty("shardMessages").GetInt32());
        Assert.Equal("PONG", results.GetProperty("afterUnsubscribe").GetString());
        // PUBLISH counts the proxy's subscription connections (one per worker and server), not its clients.
        Assert.All(results.GetProperty("publishReplies").EnumerateArray(), r => Assert.InRange(r.GetInt32(), 1, 2 * Environment.ProcessorCount));
        Assert.InRange(results.GetProperty("spublishReply").GetInt32(), 1, Environment.ProcessorCount);
    }
}
