using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// The relay's faults where they are hardest on the proxy: pipelined requests of two servers
/// interleaved when a reply is cut, one-byte segments under large values and a server handshake,
/// a split multi-get with one part stalled, and a stall shorter than the timeout.
/// </summary>
public sealed class FaultRelayPipelineTests(ITestOutputHelper output)
{
    public static TheoryData<FaultKind, WireProtocol> CutCases()
    {
        var cases = new TheoryData<FaultKind, WireProtocol>();
        foreach (var fault in new[] { FaultKind.ResetMidReply, FaultKind.HalfClose })
        {
            foreach (var protocol in Enum.GetValues<WireProtocol>())
            {
                cases.Add(fault, protocol);
            }
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(CutCases))]
    public async Task ReplyCut_PipelinedGetsOfBothServers_EachAnsweredOnceInOrder_HealthyOnesServed(FaultKind fault, WireProtocol protocol)
    {
        await using var pool = await RelayedPool.StartAsync(protocol);
        var big = string.Concat(Enumerable.Repeat("r-0123456789", 300));
        using var client = pool.Connect();
        Assert.Equal(ReplyKind.Value, (await client.SetAsync(pool.Relayed, big)).Kind);
        Assert.Equal(ReplyKind.Value, (await client.SetAsync(pool.Direct, "d")).Kind);
        Assert.Equal(new Reply(ReplyKind.Value, big), await client.GetAsync(pool.Relayed));

        pool.Relay.Set(fault);
        var keys = Enumerable.Range(0, 30).Select(i => i % 2 == 0 ? pool.Relayed : pool.Direct).ToArray();
        foreach (var key in keys)
        {
            await client.SendGetAsync(key);
        }
        var replies = new List<Reply>();
        foreach (var key in keys)
        {
            replies.Add(await client.ReadGetReplyAsync(key));
        }
        var expectedError = new Reply(ReplyKind.Error, fault == FaultKind.ResetMidReply ? "Connection reset by peer" : "unknown");
        output.WriteLine($"{fault}/{protocol}: relayed gets answered {replies.Where((_, i) => i % 2 == 0).Count(r => r.Kind == ReplyKind.Value)} values, "
            + $"{replies.Where((_, i) => i % 2 == 0).Count(r => r == expectedError)} errors");
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i] == pool.Direct)
            {
                Assert.Equal(new Reply(ReplyKind.Value, "d"), replies[i]);
            }
            else
            {
                Assert.True(replies[i] == new Reply(ReplyKind.Value, big) || replies[i] == expectedError, $"get {i}: {replies[i]}");
            }
        }
        Assert.Contains(expectedError, replies);
        await Poll.UntilAsync(async () => await client.GetAsync(pool.Relayed) == new Reply(ReplyKind.Value, big) ? "" : null,
            TimeSpan.FromSeconds(10), "the relayed server served again");
    }

    [Theory]
    [InlineData(WireProtocol.MemcachedText)]
    [InlineData(WireProtocol.MemcachedBinary)]
    [InlineData(WireProtocol.Redis)]
    public async Task OneByteSegments_PipelinedLargeValues_AndTheServerHandshake_AllExact(WireProtocol protocol)
    {
        // Redis: a password and a database, so every new server connection begins with AUTH and SELECT, whose replies arrive a byte at a time too.
        var redis = protocol == WireProtocol.Redis;
        await using var pool = await RelayedPool.StartAsync(protocol, timeoutMs: 5000,
            redis ? ["--requirepass", "relay-secret"] : null, redis ? "redis_auth: relay-secret\nredis_db: 3" : "");
        pool.Relay.Set(FaultKind.OneByteSegments);
        using var client = pool.Connect();
        if (redis)
        {
            Assert.Equal(new Reply(ReplyKind.Value, "OK"), await client.CommandAsync("AUTH", "relay-secret"));
        }
        var values = Enumerable.Range(0, 6).Select(i => new string((char)('a' + i), 3000 + 997 * i)).ToArray();
        var keys = Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? pool.Relayed : pool.Direct) + "-" + i).ToArray();
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(ReplyKind.Value, (await client.SetAsync(keys[i], values[i])).Kind);
        }
        foreach (var key in keys.Concat(keys))
        {
            await client.SendGetAsync(key);
        }
        var k = 0;
        foreach (var key in keys.Concat(keys))
        {
            Assert.Equal(new Reply(ReplyKind.Value, values[k++ % keys.Length]), await client.ReadGetReplyAsync(key));
        }
        if (redis)
        {
            // The relayed server's keys were written into the pool's database, not database 0.
            using var direct = new RespConnection(pool.Relay.Port);
            Assert.Equal("+OK\r\n", await direct.CallAsync("AUTH", "relay-secret"));
            Assert.Equal("+OK\r\n", await direct.CallAsync("SELECT", "3"));
            Assert.Equal(":3\r\n", await direct.CallAsync("EXISTS", keys[0], keys[2], keys[4]));
        }
    }

    [Theory]
    [InlineData(WireProtocol.MemcachedText)]
    [InlineData(WireProtocol.Redis)]
    public async Task MultiGetAcrossServers_OnePartStalled_OneErrorForTheCommand_ThenWholeAgain(WireProtocol protocol)
    {
        await using var pool = await RelayedPool.StartAsync(protocol);
        using var client = pool.Connect();
        Assert.Equal(ReplyKind.Value, (await client.SetAsync(pool.Relayed, "r")).Kind);
        Assert.Equal(ReplyKind.Value, (await client.SetAsync(pool.Direct, "d")).Kind);
        pool.Relay.Set(FaultKind.Stall);
        var (values, error) = await client.MultiGetAsync(pool.Direct, pool.Relayed, pool.Direct);
        Assert.Null(values);
        Assert.Equal("Connection timed out", error);
        pool.Relay.Lift();
        await Poll.UntilAsync(async () => (await client.MultiGetAsync(pool.Direct, pool.Relayed, pool.Direct)).Values is ["d", "r", "d"] ? "" : null,
            TimeSpan.FromSeconds(10), "the multi-get answered whole again");
    }

    [Theory]
    [InlineData(WireProtocol.MemcachedText)]
    [InlineData(WireProtocol.MemcachedBinary)]
    [InlineData(WireProtocol.Redis)]
    public async Task StallShorterThanTheTimeout_HeldReplyServedLate_NothingFails(WireProtocol protocol)
    {
        await using var pool = await RelayedPool.StartAsync(protocol, timeoutMs: 5000);
        using var client = pool.Connect();
        Assert.Equal(ReplyKind.Value, (await client.SetAsync(pool.Relayed, "r")).Kind);
        pool.Relay.Set(FaultKind.Stall);
        await client.SendGetAsync(pool.Relayed);
        await client.SendGetAsync(pool.Relayed);
        await Task.Delay(300); // the stall's length (the stimulus), not a wait for a state
        pool.Relay.Lift();
        Assert.Equal(new Reply(ReplyKind.Value, "r"), await client.ReadGetReplyAsync(pool.Relayed));
        Assert.Equal(new Reply(ReplyKind.Value, "r"), await client.ReadGetReplyAsync(pool.Relayed));
        Assert.Equal(new Reply(ReplyKind.Value, "r"), await client.GetAsync(pool.Relayed));
    }
}
