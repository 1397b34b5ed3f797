namespace Sharpcracker.IntegrationTests.Memcached;

public sealed class TextAllocationTests
{
    /// <summary>
    /// Steady-state forwarding allocates nothing per request: measured from outside the proxy
    /// process with its own allocation counter (memcached "stats"), over pipelined sets and
    /// multi-gets split across two servers. Any per-request object would cost at least 24 bytes.
    /// </summary>
    /// <param name="route">Empty: a plain pool; else the route of a listener over pools "a" (both servers) and "b" (the second one) (docs/routes.md).</param>
    [Theory]
    [InlineData("")]
    [InlineData("prefix: {\"x:\": b, \"a\": a}\n    default: b")]
    [InlineData("failover: [a, b]")]
    [InlineData("replicated: [a, b]")]
    [InlineData("shadow: b\n    primary: a")]
    public async Task SteadyStateTraffic_AllocatesNothingPerRequest(string route)
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var yaml = $"a:\n  servers:\n    - 127.0.0.1:{s1.Port}:1\n    - 127.0.0.1:{s2.Port}:1\nb:\n  servers:\n    - 127.0.0.1:{s2.Port}:1\n"
            + $"front:\n  listen: 127.0.0.1:{port}\n  route:\n    {route}\n";
        using var proxy = route.Length == 0
            ? TestProxy.StartMemcachedProcess([s1.Port, s2.Port], "", "-v", "4")
            : TestProxy.StartProcess(yaml, port, false, "-v", "4");
        using var connection = new McConnection(proxy.Port);
        var batch = new System.Text.StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            batch.Append($"set a{i % 40} 0 0 5\r\nhello\r\nget a{i % 40} a{(i + 1) % 40} a{(i + 7) % 40}\r\n");
        }
        var batchText = batch.ToString();
        async Task RunAsync(int rounds)
        {
            for (var r = 0; r < rounds; r++)
            {
                await connection.SendAsync(batchText);
                var ends = 0;
                while (ends < 100)
                {
                    var line = await connection.ReadLineAsync();
                    ends += line == "END" ? 1 : 0;
                }
            }
        }
        await RunAsync(300); // warm-up: JIT, pools, buffers reach their steady size
        var before = await StatAsync(connection, "gc_allocated_bytes");
        const int Rounds = 300;
        await RunAsync(Rounds);
        var after = await StatAsync(connection, "gc_allocated_bytes");
        var perRequest = (after - before) / (double)(Rounds * 200);
        Assert.True(perRequest < 8, $"{perRequest:F1} bytes allocated per request");
    }

    private static async Task<long> StatAsync(McConnection connection, string name)
    {
        await connection.SendAsync("stats\r\n");
        long? value = null;
        while (true)
        {
            var line = await connection.ReadLineAsync();
            if (line == "END")
            {
                return value ?? throw new InvalidOperationException($"no STAT {name}");
            }
            var parts = line.Split(' ');
            if (parts[1] == name)
            {
                value = long.Parse(parts[2]);
            }
        }
    }
}
