namespace Sharpcracker.IntegrationTests.Engine;

/// <summary>
/// Dedicated server connections (PoolServer.RentDedicated / ReturnDedicated / CloseDedicated,
/// ClientPause.Blocked) through a Redis pool over a real redis-server, in the engine's test
/// namespace so they also run in the Debug build, where the engine's asserts (thread ownership,
/// connection and session states) are on: lent and given back by blocking commands and
/// transactions, reused, closed when a client leaves blocked or inside MULTI, refused at the limit.
/// </summary>
public sealed class DedicatedConnectionTests
{
    [Fact]
    public async Task LentReturnedReusedAndClosed_StatsFollow()
    {
        using var backend = RedisServer.Start();
        var port = FreePort.Next();
        // One worker: every client's dedicated connections come from the same idle stack.
        await using var proxy = await TestProxy.StartAsync(TestProxy.OnePool("pool", port, [backend.Port], "redis: true\ndedicated_connections: 2", "r"), port, threads: 1);
        var stats = proxy.Host.Pools.Single().Stats.Servers.Single();
        using var c = new RespConnection(proxy.Port);
        using var producer = new RespConnection(proxy.Port);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("*-1\r\n", await c.CallAsync("BLPOP", "empty", "0.01"));
            Assert.Equal("+OK\r\n", await c.CallAsync("MULTI"));
            Assert.Equal("+QUEUED\r\n", await c.CallAsync("INCR", "n"));
            Assert.Equal($"*1\r\n:{i + 1}\r\n", await c.CallAsync("EXEC"));
        }
        Assert.Equal(1, stats.DedicatedConnectionsOpened); // one connection, lent six times
        // A client that leaves blocked and one that leaves inside MULTI: both connections closed.
        using (var blocked = new RespConnection(proxy.Port))
        using (var inMulti = new RespConnection(proxy.Port))
        {
            await blocked.SendAsync(RespConnection.Encode("BLPOP", "q", "0"));
            Assert.Equal("+OK\r\n", await inMulti.CallAsync("MULTI"));
            Assert.Equal("+QUEUED\r\n", await inMulti.CallAsync("SET", "k", "v"));
            Assert.True(await Poll.EventuallyAsync(() => stats.DedicatedConnections == 2));
            // The limit (2) is reached: a third holder is refused with the reason.
            Assert.StartsWith("-ERR too many dedicated connections", await c.CallAsync("BLPOP", "q", "0"));
        }
        Assert.True(await Poll.EventuallyAsync(() => stats.DedicatedConnections == 0));
        Assert.Equal(":1\r\n", await producer.CallAsync("RPUSH", "q", "x")); // nobody popped it for the client that left
        Assert.Equal("$-1\r\n", await producer.CallAsync("GET", "k"));       // the abandoned transaction never ran
        Assert.Equal("*2\r\n$1\r\nq\r\n$1\r\nx\r\n", await c.CallAsync("BLPOP", "q", "0"));
    }
}
