using System.Net;
using System.Net.Sockets;

namespace Sharpcracker.IntegrationTests.Replication;

/// <summary>
/// A Sentinel pool at start-up (issue 25 §1): the port opens at once, but the pool accepts clients
/// only once Sentinel has named a master for every group, so a client that connects and writes
/// right away is served instead of answered "no master"; and when discovery never succeeds, the
/// discovery_timeout ends the wait with a clear error and a log line saying what is missing.
/// </summary>
public sealed class SentinelStartupTests
{
    private const string Group = "mymaster";

    /// <summary>A port that accepts TCP connections (the kernel's backlog) and never answers: a sentinel that hangs.</summary>
    private static TcpListener Blackhole()
    {
        var hole = new TcpListener(IPAddress.Loopback, 0);
        hole.Start();
        return hole;
    }

    [Fact]
    public async Task FirstWrite_RightAfterThePortOpens_IsServed_NotNoMaster()
    {
        using var set = await RedisReplicaSet.StartAsync(replicas: 1);
        await set.StartSentinelsAsync(Group);
        // A hanging sentinel next to the live ones: every discovery round waits its 500 ms answer
        // deadline, so the first round ends well after the port opens (today's race, made certain).
        var hole = Blackhole();
        try
        {
            var port = FreePort.Next();
            var sentinels = string.Concat(set.Sentinels.Select(s => $"    - 127.0.0.1:{s.Port}\n")) + $"    - 127.0.0.1:{((IPEndPoint)hole.LocalEndpoint).Port}\n";
            var yaml = $"hastart:\n  listen: 127.0.0.1:{port}\n  redis: true\n  timeout: 3000\n  sentinels:\n{sentinels}  servers:\n    - 127.0.0.1:6379:1 {Group}\n";
            await using var proxy = await TestProxy.StartAsync(yaml, port, threads: 2);
            using var c = new RespConnection(port);
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "first", "1"));
            using var direct = new RespConnection(set.Master.Port);
            Assert.Equal("$1\r\n1\r\n", await direct.CallAsync("GET", "first"));
        }
        finally
        {
            hole.Stop();
        }
    }

    [Fact]
    public async Task NoSentinelAnswers_AfterDiscoveryTimeout_ClearErrorAndLogLine_NotReady()
    {
        var dead = FreePort.Next(); // nothing listens there
        var port = FreePort.Next();
        var yaml = $"nosentinel:\n  listen: 127.0.0.1:{port}\n  redis: true\n  discovery_timeout: 1000\n  sentinels:\n    - 127.0.0.1:{dead}\n  servers:\n    - 127.0.0.1:6379:1 {Group}\n";
        using var proxy = TestProxy.StartProcess(yaml, port, metrics: true);
        proxy.WaitListening(proxy.MetricsPort);
        var (status, body) = await proxy.HttpGetAsync("/ready");
        Assert.Equal(503, status);
        Assert.Contains("servers not discovered", body, StringComparison.Ordinal);

        // Connected while the pool waits; answered once discovery_timeout has passed, with what is missing.
        using var c = new RespConnection(port);
        var reply = await c.CallAsync("SET", "k", "v");
        Assert.StartsWith("-ERR servers not discovered yet: ", reply, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{dead}", reply, StringComparison.Ordinal);
        await Poll.UntilAsync(() => Task.FromResult(proxy.Log.Contains("not discovered within discovery_timeout 1000 ms", StringComparison.Ordinal) ? "" : null),
            TimeSpan.FromSeconds(10), "the discovery_timeout log line");
        Assert.Contains($"127.0.0.1:{dead}", proxy.Log.Split('\n').First(l => l.Contains("discovery_timeout", StringComparison.Ordinal)), StringComparison.Ordinal);
        (status, body) = await proxy.HttpGetAsync("/ready");
        Assert.Equal(503, status);
        Assert.Contains("accepting clients since discovery_timeout", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyStoppedBeforeDiscovery_WaitingClientIsClosed_PortReleased()
    {
        var dead = FreePort.Next();
        var port = FreePort.Next();
        var yaml = $"waiting:\n  listen: 127.0.0.1:{port}\n  redis: true\n  discovery_timeout: 60000\n  sentinels:\n    - 127.0.0.1:{dead}\n  servers:\n    - 127.0.0.1:6379:1 {Group}\n";
        var proxy = await TestProxy.StartAsync(yaml, port);
        using var waiting = new RespConnection(port); // queued in the listen backlog, never accepted
        await waiting.SendAsync(RespConnection.Encode("PING"));
        await proxy.DisposeAsync();
        // The deferred start must not register the closed listener: the waiting client is closed, not left hanging.
        Assert.Equal("", await waiting.ReadToEndAsync());
        using var again = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port); // the port is free again
        again.Start();
        again.Stop();
    }
}
