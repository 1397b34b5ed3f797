using System.Globalization;

namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// What a client sees when a server goes away and comes back, against the real twemproxy
/// (nutcracker) over the same server (docs/operations.md, "Failures and limits"): a server closing
/// idle connections fails no request and starts no back-off, so the next request reconnects at
/// once; a request while the server is down gets the reason of its own failed connect.
/// </summary>
public sealed class RestartDifferentialTests
{
    // Several idle connections per worker and two workers: before the fix each idle close counted a
    // failure, so these eight closes started a back-off of seconds (auto_eject_hosts with a high
    // limit does not cap it at the 500 ms recovery cap) answered "unknown" without a connect.
    private const string PoolKeys = "auto_eject_hosts: true\n  server_failure_limit: 100\n  server_retry_timeout: 30000\n  server_connections: 4\n  timeout: 2000";

    [Fact]
    public async Task IdleConnectionsClosedByAServerRestart_NextRequestIsServed_WhileDown_ConnectionRefused_AsNutcracker()
    {
        var port = FreePort.Next();
        var server = ExternalProcess.StartMemcachedOnPort(port);
        try
        {
            var workDir = Directory.CreateTempSubdirectory("sc-restart-diff");
            try
            {
                var nutPort = FreePort.Next();
                var configPath = Path.Combine(workDir.FullName, "nutcracker.yml");
                File.WriteAllText(configPath, $"""
                    alpha:
                      listen: 127.0.0.1:{nutPort}
                      {PoolKeys}
                      servers:
                        - 127.0.0.1:{port}:1 s0

                    """);
                using var nutcracker = ExternalProcess.Start("nutcracker",
                    ["-c", configPath, "-s", FreePort.Next().ToString(CultureInfo.InvariantCulture), "-a", "127.0.0.1", "-o", Path.Combine(workDir.FullName, "nutcracker.log")],
                    nutPort);
                var proxyPort = FreePort.Next();
                await using var proxy = await TestProxy.StartAsync($"""
                    alpha:
                      listen: 127.0.0.1:{proxyPort}
                      {PoolKeys}
                      servers:
                        - 127.0.0.1:{port}:1 s0

                    """, proxyPort, threads: 2);
                // Clients on both workers, each opening its connection (four per worker: several clients).
                var clients = Enumerable.Range(0, 8).Select(_ => new McConnection(proxyPort)).ToArray();
                using var viaNutcracker = new McConnection(nutPort);
                try
                {
                    foreach (var c in clients.Append(viaNutcracker))
                    {
                        Assert.Equal("STORED\r\n", await c.RoundTripAsync("set k 0 0 1\r\nv\r\n", "STORED\r\n"));
                    }
                    var stats = proxy.Host.Pools.Single().Servers[0];

                    // 1. The server restarts while every connection is idle.
                    server.Dispose();
                    server = ExternalProcess.StartMemcachedOnPort(port);
                    await EveryConnectionClosedAsync(stats.Stats);
                    Assert.Equal("END", await GetAsync(viaNutcracker));
                    foreach (var c in clients)
                    {
                        Assert.Equal("END", await GetAsync(c)); // served (a miss: the restarted server is empty)
                    }
                    Assert.Equal(0, stats.Health.Failures);

                    // 2. The server stops while every connection is idle: each request gets the
                    // reason of its own connect (or of the failed connect whose back-off refuses it).
                    server.Dispose();
                    await EveryConnectionClosedAsync(stats.Stats);
                    var nutReply = await GetAsync(viaNutcracker);
                    Assert.Equal("SERVER_ERROR Connection refused", nutReply);
                    foreach (var c in clients)
                    {
                        Assert.Equal(nutReply, await GetAsync(c));
                    }

                    // 3. Back again: served, through both.
                    server = ExternalProcess.StartMemcachedOnPort(port);
                    Assert.Equal("END", await GetAsync(viaNutcracker));
                    foreach (var c in clients)
                    {
                        await Poll.UntilAsync(async () => await GetAsync(c) switch
                        {
                            "END" => "",
                            "SERVER_ERROR Connection refused" => null, // inside the last back-off window
                            var other => throw new InvalidOperationException(other),
                        }, TimeSpan.FromSeconds(20), "the proxy serves again");
                    }
                }
                finally
                {
                    foreach (var c in clients)
                    {
                        c.Dispose();
                    }
                }
            }
            finally
            {
                workDir.Delete(recursive: true);
            }
        }
        finally
        {
            server.Dispose();
        }
    }

    private static async Task<string> GetAsync(McConnection client)
    {
        await client.SendAsync("get k\r\n");
        return await client.ReadLineAsync();
    }

    /// <summary>Every connection the proxy opened to the server has seen the server close it (bounded).</summary>
    private static Task EveryConnectionClosedAsync(Sharpcracker.Stats.ServerStats stats)
        => Poll.UntilAsync(() => Task.FromResult(stats.ServerEof >= stats.ConnectionsOpened ? "" : null),
            TimeSpan.FromSeconds(20), "the proxy saw its idle connections close");
}
