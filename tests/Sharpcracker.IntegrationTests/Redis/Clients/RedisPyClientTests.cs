namespace Sharpcracker.IntegrationTests.Redis.Clients;

/// <summary>
/// Debian's redis-py (python3-redis 4.3.4) with its defaults through a pool of three redis-servers.
/// It speaks RESP2 only (RESP3 came in redis-py 5.0; PyPI is not reachable here), so its default is
/// already the forced-RESP2 case.
/// </summary>
public sealed class RedisPyClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RedisPy_ConnectsAndReadsBackWhatItWrote(bool withUser)
    {
        await using var target = await RedisUnderTest.StartAsync(3, withUser);
        var results = await ClientScripts.RunRedisPyAsync(target.Port, withUser ? RedisUnderTest.Alice : null);
        ClientScripts.AssertAnswers(results, 2, "dict");
        await ClientScripts.AssertKeysSpreadAsync(target, withUser);
    }
}
