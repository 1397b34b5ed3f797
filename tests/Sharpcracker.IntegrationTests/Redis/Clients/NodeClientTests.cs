namespace Sharpcracker.IntegrationTests.Redis.Clients;

/// <summary>
/// node-redis 6.3.1 (npm "redis": RESP3 by default, no fallback from a refused HELLO 3) and ioredis
/// 6.0.0 (protocol 3 by default, falls back on NOPROTO) through a pool of three redis-servers,
/// with their defaults and with RESP2 forced, without and with a username (auth_file).
/// </summary>
public sealed class NodeClientTests
{
    public static TheoryData<string, bool, bool> Cases()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (var script in new[] { "node-redis.js", "ioredis.js" })
        {
            foreach (var forceResp2 in new[] { false, true })
            {
                foreach (var withUser in new[] { false, true })
                {
                    data.Add(script, forceResp2, withUser);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Client_ConnectsAndReadsBackWhatItWrote(string script, bool forceResp2, bool withUser)
    {
        await using var target = await RedisUnderTest.StartAsync(3, withUser);
        var results = await ClientScripts.RunNodeAsync(script, target.Port, forceResp2 ? 2 : null, withUser ? RedisUnderTest.Alice : null);
        // Both map HGETALL to a plain object, in RESP3 (a map) as in RESP2 (a flat array).
        ClientScripts.AssertAnswers(results, forceResp2 ? 2 : 3, "Object");
        // The CLIENT SETINFO both send at connect (redis-server 7.2's; 7.0 refuses it, which the
        // clients ignore) is kept by the proxy and shown by CLIENT INFO.
        var library = script == "node-redis.js" ? "node-redis" : "ioredis";
        var info = results.GetProperty("clientInfo").GetString()!;
        Assert.True(RedisUnderTest.Direct || info.Contains($" lib-name={library} ", StringComparison.Ordinal), info);
        Assert.Contains($" resp={(forceResp2 ? 2 : 3)}", info);
        if (script == "node-redis.js")
        {
            // node-redis's untransformed reply shows the wire type: a map in RESP3, a flat array in RESP2.
            Assert.Equal(forceResp2 ? "Array" : "Object", results.GetProperty("hgetallRaw").GetString());
        }
        await ClientScripts.AssertKeysSpreadAsync(target, withUser);
    }
}
