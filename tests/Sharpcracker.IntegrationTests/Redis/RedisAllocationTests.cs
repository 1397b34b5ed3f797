using System.Text;

namespace Sharpcracker.IntegrationTests.Redis;

public sealed class RedisAllocationTests
{
    /// <summary>
    /// Steady-state Redis forwarding allocates nothing per request: measured from outside the
    /// proxy process with its own allocation counter (INFO gc_allocated_bytes), over pipelined
    /// SET/GET/INCR and MGET split across two servers; every reply checked. Any per-request object costs at least 24 bytes.
    /// The same for a RESP3 client (HELLO 3: its commands travel on the RESP3 server connections).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SteadyStateTraffic_AllocatesNothingPerRequest(bool resp3)
    {
        using var s1 = RedisServer.Start();
        using var s2 = RedisServer.Start();
        var port = FreePort.Next();
        using var proxy = TestProxy.StartProcess($"r:\n  listen: 127.0.0.1:{port}\n  redis: true\n  hash: murmur\n  servers:\n    - 127.0.0.1:{s1.Port}:1 a\n    - 127.0.0.1:{s2.Port}:1 b\n", port, metrics: false, "-v", "4");
        using var connection = new RespConnection(port);
        if (resp3)
        {
            Assert.StartsWith("%7\r\n", await connection.CallAsync("HELLO", "3"));
        }
        var batch = new MemoryStream();
        const int PerBatch = 100;
        for (var i = 0; i < PerBatch / 4; i++)
        {
            batch.Write(RespConnection.Encode("SET", "k" + (i % 20), "hello"));
            batch.Write(RespConnection.Encode("GET", "k" + (i % 20)));
            batch.Write(RespConnection.Encode("MGET", "k" + (i % 20), "k" + ((i + 1) % 20), "k" + ((i + 7) % 20)));
            batch.Write(Encoding.ASCII.GetBytes($"incr n{i % 5}\r\n"));
        }
        var bytes = batch.ToArray();
        var counters = new long[5];
        var batches = 0;
        async Task RunAsync(int rounds)
        {
            for (var r = 0; r < rounds; r++)
            {
                await connection.SendAsync(bytes);
                for (var i = 0; i < PerBatch / 4; i++)
                {
                    Assert.Equal("+OK\r\n", await connection.ReadReplyAsync());
                    Assert.Equal("$5\r\nhello\r\n", await connection.ReadReplyAsync());
                    // The first batch reads keys it has not set yet; every later one finds all 20.
                    var mget = await connection.ReadReplyAsync();
                    if (batches > 0)
                    {
                        Assert.Equal("*3\r\n$5\r\nhello\r\n$5\r\nhello\r\n$5\r\nhello\r\n", mget);
                    }
                    Assert.Equal($":{++counters[i % 5]}\r\n", await connection.ReadReplyAsync());
                }
                batches++;
            }
        }
        await RunAsync(300); // warm-up: JIT, pools, buffers reach their steady size
        var before = await AllocatedAsync(connection);
        const int Rounds = 300;
        await RunAsync(Rounds);
        var after = await AllocatedAsync(connection);
        var perRequest = (after - before) / (double)(Rounds * PerBatch);
        Assert.True(perRequest < 8, $"{perRequest:F1} bytes allocated per request");

        // The MGETs were split: both servers served parts of them, more parts than the client sent MGETs.
        var mgets = 2 * 300 * (PerBatch / 4);
        var a = (await RedisReplicaSet.CommandCallsAsync(s1.Port)).GetValueOrDefault("mget");
        var b = (await RedisReplicaSet.CommandCallsAsync(s2.Port)).GetValueOrDefault("mget");
        Assert.True(a > 0 && b > 0 && a + b > mgets, $"servers saw {a} and {b} MGETs for the clients' {mgets}");
        using var stats = System.Text.Json.JsonDocument.Parse(await proxy.ReadStatsAsync());
        Assert.True(stats.RootElement.GetProperty("r").GetProperty("fragments").GetInt64() > 0, "no fragments counted");
    }

    private static async Task<long> AllocatedAsync(RespConnection connection)
    {
        var reply = await connection.CallAsync("INFO");
        var line = reply.Split("\r\n").First(l => l.StartsWith("gc_allocated_bytes:", StringComparison.Ordinal));
        return long.Parse(line.Split(':')[1]);
    }
}
