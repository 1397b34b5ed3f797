using Sharpcracker.IntegrationTests.LiveConfig;

namespace Sharpcracker.IntegrationTests.Operations;

/// <summary>
/// /healthz and /ready on the real executable while backends are stopped and started again; /route
/// while a server is ejected. One pool ejects (the proxy's probe re-admits), one does not (only
/// /ready's own probe can see the server return, since no traffic arrives).
/// </summary>
public sealed class ConsoleReadinessTests
{
    [Fact]
    public async Task Ready_FlipsTo503WhenEveryServerOfAPoolIsDown_AndBackWhenOneReturns()
    {
        var a0 = ExternalProcess.StartMemcached();
        var a1 = ExternalProcess.StartMemcached();
        var b0 = ExternalProcess.StartMemcached();
        var (a0Port, a1Port, b0Port) = (a0.Port, a1.Port, b0.Port);
        var alphaPort = FreePort.Next();
        var betaPort = FreePort.Next();
        var yaml = $"""
            alpha:
              listen: 127.0.0.1:{alphaPort}
              auto_eject_hosts: true
              server_failure_limit: 1
              server_retry_timeout: 300
              timeout: 2000
              servers:
                - 127.0.0.1:{a0Port}:1 a0
                - 127.0.0.1:{a1Port}:1 a1
            beta:
              listen: 127.0.0.1:{betaPort}
              timeout: 2000
              servers:
                - 127.0.0.1:{b0Port}:1 b0

            """;
        try
        {
            using var proxy = TestProxy.StartProcess(yaml, null, metrics: true);
            proxy.WaitListening(proxy.MetricsPort);
            var port = proxy.MetricsPort;
            Assert.Equal((200, "ok\n"), await ConsoleKit.GetAsync(port, "/healthz"));
            Assert.Contains("pool alpha: ready: 2 of 2 servers up", await ConsoleKit.WaitReadyAsync(port, 200));

            // A key whose home is a0, found by /route itself.
            string keyOnA0 = "";
            for (var i = 0; keyOnA0 == "" && i < 1000; i++)
            {
                var answer = await ConsoleKit.JsonAsync(port, $"/route?pool=alpha&key=k{i}");
                keyOnA0 = answer.GetProperty("server").GetProperty("name").GetString() == "a0" ? $"k{i}" : "";
            }

            Assert.NotEqual("", keyOnA0);

            // a0 down: a request to it fails once, which ejects it; the pool is still ready (a1).
            a0.Dispose();
            await GetThroughProxyAsync(alphaPort, keyOnA0);
            await ConsoleKit.WaitStateAsync(port, "alpha", "a0", "ejected");
            Assert.Contains("pool alpha: ready: 1 of 2 servers up", await ConsoleKit.WaitReadyAsync(port, 200));
            var moved = await ConsoleKit.JsonAsync(port, $"/route?pool=alpha&key={keyOnA0}");
            Assert.Equal("a1", moved.GetProperty("server").GetProperty("name").GetString());
            Assert.Equal("a0", moved.GetProperty("server_all_in_service").GetProperty("name").GetString());
            Assert.Equal("a0", Assert.Single(moved.GetProperty("ejected").EnumerateArray()).GetString());
            Assert.Contains("ejected now: a0", moved.GetProperty("explanation").GetString());
            // ...and the proxy really sends it there.
            await LiveConfigKit.SetThroughAsync(alphaPort, keyOnA0, "moved");
            Assert.Equal("moved", await LiveConfigKit.GetDirectAsync(a1Port, keyOnA0));

            // a1 down too: every server of alpha is out → 503 naming the pool; beta stays ready; the process still serves.
            a1.Dispose();
            await GetThroughProxyAsync(alphaPort, keyOnA0);
            // a0 is "probing" while each retry probe (every 300 ms) runs and "ejected" between them:
            // wait for a body written between two probes (once failed when taken during one).
            var down = await ConsoleKit.WaitReadyAsync(port, 503, "a0 ejected (");
            Assert.Contains("not ready\n", down);
            Assert.Contains("pool alpha: not ready: no reachable server: a0 ejected (", down);
            Assert.Contains("pool beta: ready", down);
            Assert.Equal(200, (await ConsoleKit.GetAsync(port, "/healthz")).Status);

            // One returns: the proxy's probe re-admits it and /ready follows.
            a1 = ExternalProcess.StartMemcachedOnPort(a1Port);
            Assert.Contains("pool alpha: ready: 1 of 2 servers up", await ConsoleKit.WaitReadyAsync(port, 200));

            // beta has no auto_eject_hosts: its failed server stays "failing" until something reaches it.
            b0.Dispose();
            await GetThroughProxyAsync(betaPort, "x");
            Assert.Contains("pool beta: not ready: no reachable server: b0 ", await ConsoleKit.WaitReadyAsync(port, 503));
            b0 = ExternalProcess.StartMemcachedOnPort(b0Port);
            // No request is sent to beta: /ready's own probe finds the server back.
            Assert.Contains("pool beta: ready: b0 answered a probe", await ConsoleKit.WaitReadyAsync(port, 200));
        }
        finally
        {
            a0.Dispose();
            a1.Dispose();
            b0.Dispose();
        }
    }

    /// <summary>One get through the proxy, answered either way (a hit, a miss, or SERVER_ERROR).</summary>
    private static async Task GetThroughProxyAsync(int port, string key)
    {
        using var c = new McConnection(port);
        await c.SendAsync($"get {key}\r\n");
        var line = await c.ReadLineAsync();
        Assert.True(line == "END" || line.StartsWith("SERVER_ERROR", StringComparison.Ordinal) || line.StartsWith("VALUE", StringComparison.Ordinal), line);
    }
}
