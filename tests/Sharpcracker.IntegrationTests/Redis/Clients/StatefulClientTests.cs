namespace Sharpcracker.IntegrationTests.Redis.Clients;

/// <summary>
/// What Redis applications do beyond GET and SET, with real clients and their defaults through a
/// pool of three redis-servers (hash tags keep a transaction's keys together): node-redis 6 and
/// ioredis 6 run MULTI/EXEC, lose a WATCH to another client, and block in BLPOP until a producer
/// pushes; BullMQ, a real job queue (Lua scripts, BZPOPMIN, XREAD BLOCK), completes every job.
/// </summary>
public sealed class StatefulClientTests
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var script in new[] { "node-redis-stateful.js", "ioredis-stateful.js" })
        {
            data.Add(script, false);
            data.Add(script, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Client_TransactionsWatchAndBlockingPop(string script, bool forceResp2)
    {
        await using var target = await RedisUnderTest.StartAsync(3, withUsers: false, "hash_tag: \"{}\"");
        var results = await ClientScripts.RunNodeAsync(script, target.Port, forceResp2 ? 2 : null, null);
        var exec = results.GetProperty("exec").EnumerateArray().Select(e => e.ToString()).ToArray();
        Assert.Equal(["OK", "15", "OK", "15"], exec);
        Assert.Equal(script.StartsWith("node-redis", StringComparison.Ordinal) ? "WatchError" : "null", results.GetProperty("watchConflict").GetString());
        Assert.Equal("100", results.GetProperty("afterConflict").GetString());
        Assert.Contains("job-1", results.GetProperty("blpop").ToString());
    }

    [Fact]
    public async Task BullMQ_WithAHashTaggedPrefix_CompletesEveryJob()
    {
        await using var target = await RedisUnderTest.StartAsync(3, withUsers: false, "hash_tag: \"{}\"");
        var results = await ClientScripts.RunNodeAsync("bullmq.js", target.Port, null, null);
        var jobs = results.GetProperty("jobs").GetInt32();
        Assert.Equal(jobs, results.GetProperty("processed").GetInt32());
        Assert.Equal(jobs, results.GetProperty("completedEvents").GetInt32());
        var counts = results.GetProperty("counts");
        Assert.Equal(jobs, counts.GetProperty("completed").GetInt32());
        Assert.Equal(0, counts.GetProperty("failed").GetInt32());
    }
}
