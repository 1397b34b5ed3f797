using StackExchange.Redis;

namespace Sharpcracker.IntegrationTests.Redis.Clients;

/// <summary>
/// StackExchange.Redis 3.4.35 (NuGet; HELLO 3 by default, falls back to RESP2 on an error) through a
/// pool of three redis-servers, with its defaults and with RESP2 forced, without and with a username.
/// </summary>
public sealed class StackExchangeRedisTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task StackExchangeRedis_ConnectsAndReadsBackWhatItWrote(bool forceResp2, bool withUser)
    {
        await using var target = await RedisUnderTest.StartAsync(3, withUser);
        var options = new ConfigurationOptions { EndPoints = { { "127.0.0.1", target.Port } } };
        if (forceResp2)
        {
            options.Protocol = RedisProtocol.Resp2;
        }
        if (withUser)
        {
            options.User = RedisUnderTest.Alice.User;
            options.Password = RedisUnderTest.Alice.Password;
        }
        using var log = new StringWriter();
        await using var muxer = await ConnectionMultiplexer.ConnectAsync(options, log);
        Assert.True(muxer.IsConnected, log.ToString());
        var server = muxer.GetServer("127.0.0.1", target.Port);
        Assert.True(server.Protocol == (forceResp2 ? RedisProtocol.Resp2 : RedisProtocol.Resp3), $"negotiated {server.Protocol}: {log}");
        var db = muxer.GetDatabase();

        Assert.True(await db.StringSetAsync(ClientScripts.Keys[0], "hello world"));
        Assert.Equal("hello world", (string?)await db.StringGetAsync(ClientScripts.Keys[0]));

        for (var i = 0; i < ClientScripts.Keys.Length; i++)
        {
            Assert.True(await db.StringSetAsync(ClientScripts.Keys[i], "value-" + i));
        }
        var values = await db.StringGetAsync([.. ClientScripts.Keys.Select(k => (RedisKey)k), "no-such-key"]);
        Assert.Equal([.. ClientScripts.Keys.Select((_, i) => "value-" + i), null], values.Select(v => (string?)v));

        await db.HashSetAsync("client-hash", [new("f1", "v1"), new("f2", "v2"), new("f3", "v3")]);
        var entries = await db.HashGetAllAsync("client-hash");
        Assert.Equal(
            new Dictionary<string, string> { ["f1"] = "v1", ["f2"] = "v2", ["f3"] = "v3" },
            entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!));
        // On the wire: a map under RESP3, a flat array under RESP2.
        var raw = await db.ExecuteAsync("HGETALL", "client-hash");
        Assert.Equal(forceResp2 ? ResultType.Array : ResultType.Map, raw.Resp3Type);
        Assert.Equal(6, raw.Length);

        var batch = db.CreateBatch();
        var sets = Enumerable.Range(0, 50).Select(i => batch.StringSetAsync("pipe:" + i, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var gets = Enumerable.Range(0, 50).Select(i => batch.StringGetAsync("pipe:" + i)).ToList();
        batch.Execute();
        Assert.All(await Task.WhenAll(sets), Assert.True);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), (await Task.WhenAll(gets)).Select(v => (string?)v));

        await ClientScripts.AssertKeysSpreadAsync(target, withUser);
    }
}
