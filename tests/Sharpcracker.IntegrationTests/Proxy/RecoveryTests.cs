using System.Diagnostics;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Proxy;

/// <summary>
/// A server that comes back is used again at once (without auto_eject_hosts, the reconnect
/// back-off is capped at ServerHealth.RecoveryCapMs), and a dead server is not stormed with
/// connects: one attempt per back-off window whatever the number of workers and clients.
/// </summary>
public sealed class RecoveryTests(ITestOutputHelper output)
{
    private const int IntervalMs = 50;

    [Fact]
    public async Task WithoutAutoEject_RestartedServerServesAgainWithinTheCap_DeadServerGetsFewConnects()
    {
        var port = FreePort.Next();
        var server = ExternalProcess.StartMemcachedOnPort(port);
        // twemproxy's defaults: no auto_eject_hosts, server_retry_timeout 30000; two workers, a client on each.
        var proxyPort = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync($"""
            pool:
              listen: 127.0.0.1:{proxyPort}
              timeout: 1000
              servers:
                - 127.0.0.1:{port}:1 s0

            """, proxyPort, threads: 2);
        using var a = new McConnection(proxyPort);
        using var b = new McConnection(proxyPort);
        Assert.Equal("STORED\r\n", await a.RoundTripAsync("set k 0 0 1\r\nv\r\n", "STORED\r\n"));
        Assert.Equal("STORED\r\n", await b.RoundTripAsync("set k 0 0 1\r\nv\r\n", "STORED\r\n"));
        var stats = proxy.Host.Pools.Single().Servers[0].Stats;

        server.Dispose();
        var before = stats.ServerErr;
        var outage = Stopwatch.StartNew();
        var failed = 0;
        while (outage.ElapsedMilliseconds < 3000)
        {
            foreach (var client in new[] { a, b })
            {
                await client.SendAsync("get k\r\n");
                var line = await client.ReadLineAsync();
                Assert.StartsWith("SERVER_ERROR ", line);
                failed++;
            }
            await Task.Delay(IntervalMs);
        }
        var attempts = stats.ServerErr - before;
        output.WriteLine($"outage {outage.ElapsedMilliseconds} ms: {failed} requests failed, {attempts} connect attempts " +
            $"({attempts * 1000.0 / outage.ElapsedMilliseconds:F1}/s)");
        // The ramp (0, 100, 200, 400 ms) then one attempt per 500 ms window for both workers
        // together: a few attempts, far fewer than the failed requests (one each without back-off).
        Assert.True(attempts >= 2 && attempts * 4 <= failed, $"{attempts} connect attempts for {failed} failed requests");

        using var restarted = ExternalProcess.StartMemcachedOnPort(port);
        var back = Stopwatch.StartNew();
        var errorsAfter = 0;
        var sent = 0;
        var served = new bool[2];
        while (!served.All(s => s) && back.ElapsedMilliseconds < 10_000)
        {
            for (var i = 0; i < 2; i++)
            {
                var client = i == 0 ? a : b;
                await client.SendAsync("get k\r\n");
                sent++;
                var line = await client.ReadLineAsync();
                if (line == "END")
                {
                    served[i] = true; // a miss: the restarted server is empty, and it answered
                }
                else
                {
                    Assert.StartsWith("SERVER_ERROR ", line);
                    errorsAfter++;
                }
            }
            await Task.Delay(IntervalMs);
        }
        output.WriteLine($"restarted server answered both clients {back.ElapsedMilliseconds} ms after it listened; " +
            $"{errorsAfter} of {sent} requests failed meanwhile");
        Assert.True(served.All(s => s), "the restarted server was not used again");
        // Within the 500 ms cap: no more failures than the requests of one second (2 clients, one per 50 ms each).
        Assert.True(errorsAfter <= 2 * (1000 / IntervalMs), $"{errorsAfter} failures after the restart");
    }
}
