using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Proxy;

/// <summary>
/// Failures with real memcached servers and scripted fake backends: timeouts, kills and
/// restarts, ejection and probes, desynchronised replies, back-off (docs/operations.md).
/// </summary>
public sealed class FailureTests(ITestOutputHelper output)
{
    /// <summary>Keys set through the proxy, split by which server holds them (asked directly).</summary>
    private static async Task<(List<string> OnFirst, List<string> OnSecond)> SplitKeysAsync(McConnection proxy, int firstPort, string prefix, int count = 40)
    {
        var first = new List<string>();
        var second = new List<string>();
        using var direct = new McConnection(firstPort);
        for (var i = 0; i < count; i++)
        {
            var key = prefix + i;
            Assert.Equal("STORED\r\n", await proxy.RoundTripAsync($"set {key} 0 0 1\r\nv\r\n", "STORED\r\n"));
            await direct.SendAsync($"get {key}\r\n");
            var line = await direct.ReadLineAsync();
            if (line == "END")
            {
                second.Add(key);
                continue;
            }
            await direct.ReadLineAsync();
            await direct.ReadLineAsync();
            first.Add(key);
        }
        Assert.True(first.Count > 0 && second.Count > 0, "keys should land on both servers");
        return (first, second);
    }

    /// <summary>A get of one key: the VALUE block and END, or the single line that came instead.</summary>
    private static async Task<string> GetAsync(McConnection connection, string key)
    {
        await connection.SendAsync($"get {key}\r\n");
        var line = await connection.ReadLineAsync();
        if (!line.StartsWith("VALUE ", StringComparison.Ordinal))
        {
            return line + "\r\n";
        }
        return line + "\r\n" + await connection.ReadLineAsync() + "\r\n" + await connection.ReadLineAsync() + "\r\n";
    }

    [Fact]
    public async Task Sigstop_AffectedRequestsTimeOutInTimePlusTenPercent_OthersKeepSucceeding_SigcontResumes()
    {
        const int TimeoutMs = 1000;
        // The machine running the suite may be shared and loaded: on top of timeout + 10% we
        // allow 1 s for scheduling (the proxy's timer and both processes' threads) — still far
        // below the wait of a request that is never timed out (until SIGCONT); measured
        // latencies are printed.
        const int AllowanceMs = 1000;
        using var a = ExternalProcess.StartMemcached();
        using var b = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([a.Port, b.Port], $"hash: md5\ntimeout: {TimeoutMs}\nserver_retry_timeout: 2000");
        using var client = new McConnection(proxy.Port);
        var (onA, onB) = await SplitKeysAsync(client, a.Port, "stop");

        using var stop = new CancellationTokenSource();
        var otherOk = 0;
        var otherFailures = new List<string>();
        var other = Task.Run(async () =>
        {
            using var c = new McConnection(proxy.Port);
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                var key = onA[i++ % onA.Count];
                var reply = await GetAsync(c, key);
                if (reply == $"VALUE {key} 0 1\r\nv\r\nEND\r\n")
                {
                    otherOk++;
                }
                else
                {
                    otherFailures.Add(reply);
                }
            }
        });

        b.Signal("STOP");
        try
        {
            var latencies = new List<double>();
            for (var i = 0; i < 4; i++)
            {
                var watch = Stopwatch.StartNew();
                await client.SendAsync($"get {onB[i % onB.Count]}\r\n");
                Assert.Equal("SERVER_ERROR Connection timed out", await client.ReadLineAsync());
                latencies.Add(watch.Elapsed.TotalMilliseconds);
            }
            output.WriteLine($"timeout {TimeoutMs} ms; error latencies: {string.Join(", ", latencies.Select(l => l.ToString("F0")))} ms");
            // A request that waited for the stopped server is answered after ~timeout; one that
            // arrives while the server backs off is answered at once. None takes longer.
            Assert.All(latencies, l => Assert.True(l <= TimeoutMs * 1.1 + AllowanceMs, $"{l:F0} ms"));
            Assert.Contains(latencies, l => l >= TimeoutMs * 0.9);
        }
        finally
        {
            b.Signal("CONT");
        }
        var key = onB[0];
        await Poll.UntilAsync(async () =>
        {
            var reply = await GetAsync(client, key);
            return reply == $"VALUE {key} 0 1\r\nv\r\nEND\r\n" ? reply : null;
        }, TimeSpan.FromSeconds(20), "traffic to the continued server did not resume");
        stop.Cancel();
        await other;
        Assert.Empty(otherFailures);
        Assert.True(otherOk > 0);
    }

    [Fact]
    public async Task Sigkill_ErrorsThenEjectionThenRecoveryAfterRetryTimeoutAndProbe()
    {
        const int RetryMs = 1500;
        using var a = ExternalProcess.StartMemcached();
        var b = ExternalProcess.StartMemcached();
        var bPort = b.Port;
        await using var proxy = await TestProxy.StartMemcachedAsync([a.Port, bPort],
            $"hash: md5\ntimeout: 1000\nauto_eject_hosts: true\nserver_failure_limit: 2\nserver_retry_timeout: {RetryMs}");
        using var client = new McConnection(proxy.Port);
        var (_, onB) = await SplitKeysAsync(client, a.Port, "kill");
        var key = onB[0];

        b.Signal("KILL");
        b.Dispose();
        // The closed idle connection is the first failure; this request is the second (its
        // connect is refused, or it met the dying connection): an error, then ejection.
        await client.SendAsync($"get {key}\r\n");
        var first = await client.ReadLineAsync();
        Assert.StartsWith("SERVER_ERROR ", first);
        output.WriteLine($"first reply after SIGKILL: {first}");
        // Ejected: the key now lives on the remaining server (a miss there, then it can be set).
        var ejectedAt = Stopwatch.StartNew();
        await Poll.UntilAsync(async () =>
        {
            await client.SendAsync($"set {key} 0 0 5\r\nother\r\n");
            var reply = await client.ReadLineAsync();
            return reply == "STORED" ? reply : null;
        }, TimeSpan.FromSeconds(10), "the killed server was not ejected");

        using var restarted = ExternalProcess.StartMemcachedOnPort(bPort);
        using (var direct = new McConnection(bPort))
        {
            Assert.Equal("STORED\r\n", await direct.RoundTripAsync($"set {key} 0 0 4\r\nback\r\n", "STORED\r\n"));
        }
        var expected = $"VALUE {key} 0 4\r\nback\r\nEND\r\n";
        await Poll.UntilAsync(async () =>
        {
            var reply = await GetAsync(client, key);
            return reply == expected ? reply : null;
        }, TimeSpan.FromSeconds(20), "the restarted server was not re-admitted");
        output.WriteLine($"re-admitted {ejectedAt.ElapsedMilliseconds} ms after ejection (retry timeout {RetryMs} ms)");
        Assert.True(ejectedAt.ElapsedMilliseconds >= RetryMs * 0.9, "re-admitted before the retry timeout");
    }

    [Fact]
    public async Task EjectedServer_StaysOutWhileProbesFail_AllEjectedAnswersAtOnceWithoutConnecting_ThenProbeReadmits()
    {
        var healthy = false;
        var probes = 0;
        using var backend = new FakeBackend((_, line) =>
        {
            if (line == "version")
            {
                Interlocked.Increment(ref probes);
                return Volatile.Read(ref healthy) ? "VERSION 1.6.18\r\n" : "NOT A VERSION\r\n";
            }
            return Volatile.Read(ref healthy) ? "END\r\n" : "GARBAGE\r\n";
        });
        await using var proxy = await TestProxy.StartMemcachedAsync([backend.Port],
            "timeout: 1000\nauto_eject_hosts: true\nserver_failure_limit: 1\nserver_retry_timeout: 300");
        using var client = new McConnection(proxy.Port);
        // A garbage reply is a desync: the request fails, the connection goes, the server is ejected.
        Assert.Equal("SERVER_ERROR Invalid argument\r\n", await client.RoundTripAsync("get a\r\n", "SERVER_ERROR Invalid argument\r\n"));
        // Every server of the pool is ejected: immediate error, no connect attempt per request.
        var acceptedBefore = backend.Accepted;
        for (var i = 0; i < 200; i++)
        {
            await client.SendAsync("get a\r\n");
            Assert.Equal("SERVER_ERROR no server available", await client.ReadLineAsync());
        }
        // Probes keep failing: still ejected after several retry periods.
        await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref probes) >= 3 ? "" : null), TimeSpan.FromSeconds(20), "no probes");
        await client.SendAsync("get a\r\n");
        Assert.Equal("SERVER_ERROR no server available", await client.ReadLineAsync());
        var newConnections = backend.Accepted - acceptedBefore;
        output.WriteLine($"connections while ejected: {newConnections}, probes: {Volatile.Read(ref probes)}");
        Assert.True(newConnections <= Volatile.Read(ref probes) + 1, $"{newConnections} connections for {probes} probes");

        Volatile.Write(ref healthy, true);
        await Poll.UntilAsync(async () =>
        {
            await client.SendAsync("get a\r\n");
            var reply = await client.ReadLineAsync();
            return reply == "END" ? reply : reply == "SERVER_ERROR no server available" ? null : throw new InvalidOperationException(reply);
        }, TimeSpan.FromSeconds(20), "not re-admitted after a successful probe");
    }

    [Fact]
    public async Task Desync_GarbageReplyFailsEveryWaitingRequest_ConnectionIsNeverReused()
    {
        using var backend = new FakeBackend(async (self, connection, line) =>
        {
            if (connection == 0)
            {
                // Answer only once all three requests are waiting, and answer garbage.
                if (self.Lines < 3)
                {
                    return null;
                }
                return "HELLO THERE\r\n";
            }
            await Task.Yield();
            return "END\r\n";
        });
        await using var proxy = await TestProxy.StartMemcachedAsync([backend.Port]);
        using var client = new McConnection(proxy.Port);
        await client.SendAsync("get a\r\nget b\r\nget c\r\n");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("SERVER_ERROR Invalid argument", await client.ReadLineAsync());
        }
        await backend.ClosedByPeer(0).WaitAsync(TimeSpan.FromSeconds(20));
        // A new connection serves the next request.
        Assert.Equal("END\r\n", await client.RoundTripAsync("get d\r\n", "END\r\n"));
        Assert.Equal(2, backend.Accepted);
        // Bytes nobody asked for are a desync too: that connection is closed and replaced.
        await backend.SendAsync(1, "END\r\n");
        await backend.ClosedByPeer(1).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("END\r\n", await client.RoundTripAsync("get e\r\n", "END\r\n"));
        Assert.Equal(3, backend.Accepted);
    }

    [Fact]
    public async Task WithoutAutoEject_ReconnectsBackOff_RequestsFailFastWithoutAConnectPerRequest()
    {
        using var backend = new FakeBackend((_, _) => null) { CloseOnAccept = true };
        await using var proxy = await TestProxy.StartMemcachedAsync([backend.Port], "server_retry_timeout: 5000");
        using var client = new McConnection(proxy.Port);
        var watch = Stopwatch.StartNew();
        const int Requests = 300;
        for (var i = 0; i < Requests; i++)
        {
            await client.SendAsync("get a\r\n");
            var line = await client.ReadLineAsync();
            // Closed by the server ("unknown", twemproxy's text), reset, or the last error while backing off.
            Assert.StartsWith("SERVER_ERROR ", line);
        }
        output.WriteLine($"{Requests} failed requests in {watch.ElapsedMilliseconds} ms, {backend.Accepted} connects");
        // Back-off from 100 ms doubling: a handful of connects, not one per request.
        Assert.True(backend.Accepted < 30, $"{backend.Accepted} connects for {Requests} requests");
    }

    [Fact]
    public async Task RefusedServer_EveryRequestGetsConnectionRefused()
    {
        var deadPort = FreePort.Next(); // nothing listens
        await using var proxy = await TestProxy.StartMemcachedAsync([deadPort], "server_retry_timeout: 5000");
        using var client = new McConnection(proxy.Port);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal("SERVER_ERROR Connection refused\r\n", await client.RoundTripAsync("get a\r\n", "SERVER_ERROR Connection refused\r\n"));
        }
    }
}
