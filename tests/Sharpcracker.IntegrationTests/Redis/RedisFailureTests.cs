using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Redis;

/// <summary>
/// Failures and limits of a Redis pool with real redis-server processes: timeouts, kills and
/// restarts, ejection and PING probes, slow readers, request size, back-pressure, graceful
/// shutdown (docs/operations.md, "Failures and limits"; the memcached equivalents are
/// Integration/FailureTests and LimitTests).
/// </summary>
public sealed class RedisFailureTests(ITestOutputHelper output)
{
    private const string Password = "s3cret";

    private static string Bulk(string value) => $"${Encoding.UTF8.GetByteCount(value)}\r\n{value}\r\n";

    /// <summary>A redis-server on a given port (a restart on the port of a killed one).</summary>
    private static ExternalProcess StartRedisOnPort(int port, bool auth)
    {
        var args = new List<string>
        {
            "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning",
        };
        if (auth)
        {
            args.AddRange(["--requirepass", Password]);
        }
        return ExternalProcess.Start("redis-server", args, port);
    }

    private static async Task<RespConnection> ConnectAsync(int port, bool auth)
    {
        var c = new RespConnection(port);
        if (auth)
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("AUTH", Password));
        }
        return c;
    }

    /// <summary>Keys set through the proxy, split by which server holds them (asked directly).</summary>
    private static async Task<(List<string> OnFirst, List<string> OnSecond)> SplitKeysAsync(RespConnection proxy, int firstPort, string prefix, bool auth = false, int count = 40)
    {
        var first = new List<string>();
        var second = new List<string>();
        using var direct = await ConnectAsync(firstPort, auth);
        for (var i = 0; i < count; i++)
        {
            var key = prefix + i;
            Assert.Equal("+OK\r\n", await proxy.CallAsync("SET", key, "v"));
            (await direct.CallAsync("EXISTS", key) == ":1\r\n" ? first : second).Add(key);
        }
        Assert.True(first.Count > 0 && second.Count > 0, "keys should land on both servers");
        return (first, second);
    }

    /// <summary>One numeric line of the proxy's INFO reply ("name:value").</summary>
    private static async Task<long> InfoCounterAsync(RespConnection c, string name)
    {
        var info = await c.CallAsync("INFO");
        foreach (var line in info.Split("\r\n"))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(name.Length + 1)..]);
            }
        }
        throw new InvalidOperationException($"INFO has no {name}: {info}");
    }

    [Fact]
    public async Task Sigstop_AffectedRequestsTimeOutInTimePlusTenPercent_OthersKeepSucceeding_SigcontResumes()
    {
        const int TimeoutMs = 1000;
        // As in FailureTests: on a shared, loaded machine we allow 400 ms of scheduling on top of
        // timeout + 10% (the proxy's timer and both processes' threads); latencies are printed.
        const int AllowanceMs = 400;
        using var a = RedisServer.Start();
        using var b = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([a.Port, b.Port], $"hash: md5\ntimeout: {TimeoutMs}\nserver_retry_timeout: 2000");
        using var client = new RespConnection(proxy.Port);
        var (onA, onB) = await SplitKeysAsync(client, a.Port, "stop");

        using var stop = new CancellationTokenSource();
        var otherOk = 0;
        var otherFailures = new List<string>();
        var other = Task.Run(async () =>
        {
            using var c = new RespConnection(proxy.Port);
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                var reply = await c.CallAsync("GET", onA[i++ % onA.Count]);
                if (reply == Bulk("v"))
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
                Assert.Equal("-ERR Connection timed out\r\n", await client.CallAsync("GET", onB[i % onB.Count]));
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
        await Poll.UntilAsync(async () =>
        {
            var reply = await client.CallAsync("GET", onB[0]);
            return reply == Bulk("v") ? reply : null;
        }, TimeSpan.FromSeconds(20), "traffic to the continued server did not resume");
        stop.Cancel();
        await other;
        Assert.Empty(otherFailures);
        Assert.True(otherOk > 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sigkill_ErrorsThenEjectionThenRecoveryAfterRetryTimeoutAndPingProbe(bool auth)
    {
        const int RetryMs = 1500;
        using var a = StartRedisOnPort(FreePort.Next(), auth);
        var bPort = FreePort.Next();
        var b = StartRedisOnPort(bPort, auth);
        var authKey = auth ? $"\nredis_auth: {Password}" : "";
        await using var proxy = await TestProxy.StartRedisAsync([a.Port, bPort],
            $"hash: md5\ntimeout: 1000\nauto_eject_hosts: true\nserver_failure_limit: 2\nserver_retry_timeout: {RetryMs}{authKey}");
        using var client = await ConnectAsync(proxy.Port, auth);
        var (_, onB) = await SplitKeysAsync(client, a.Port, "kill", auth);
        var key = onB[0];
        Assert.Equal(0, await InfoCounterAsync(client, "server_ejects"));

        b.Signal("KILL");
        b.Dispose();
        // The closed idle connection is the first failure; this request is the second (its
        // connect is refused, or it met the dying connection): an error, then ejection.
        var first = await client.CallAsync("GET", key);
        output.WriteLine($"first reply after SIGKILL: {first.TrimEnd()}");
        Assert.StartsWith("-ERR ", first);
        // Ejected: the key now lives on the remaining server (a miss there, then it can be set).
        var ejectedAt = Stopwatch.StartNew();
        await Poll.UntilAsync(async () =>
        {
            var reply = await client.CallAsync("SET", key, "other");
            return reply == "+OK\r\n" ? reply : null;
        }, TimeSpan.FromSeconds(10), "the killed server was not ejected");
        Assert.Equal(1, await InfoCounterAsync(client, "server_ejects"));

        // Restarted on the same port (with the same password): the PING probe (after AUTH when
        // redis_auth is set) must pass before the server is re-admitted.
        using var restarted = StartRedisOnPort(bPort, auth);
        using (var direct = await ConnectAsync(bPort, auth))
        {
            Assert.Equal("+OK\r\n", await direct.CallAsync("SET", key, "back"));
        }
        await Poll.UntilAsync(async () =>
        {
            var reply = await client.CallAsync("GET", key);
            return reply == Bulk("back") ? reply : null;
        }, TimeSpan.FromSeconds(20), "the restarted server was not re-admitted");
        output.WriteLine($"re-admitted {ejectedAt.ElapsedMilliseconds} ms after ejection (retry timeout {RetryMs} ms)");
        Assert.True(ejectedAt.ElapsedMilliseconds >= RetryMs * 0.9, "re-admitted before the retry timeout");
        Assert.Equal(1, await InfoCounterAsync(client, "server_ejects"));
    }

    [Fact]
    public async Task SlowReaderOfLargeValues_IsDisconnected_ProxyMemoryStaysBounded_OthersUnaffected()
    {
        const int ValueSize = 1 << 20;
        const int Gets = 600; // 600 MiB of replies if the proxy buffered them all
        using var server = RedisServer.Start();
        using var proxy = TestProxy.StartMemcachedProcess([server.Port], "redis: true\nclient_output_limit: 16777216");
        using (var setter = new RespConnection(proxy.Port))
        {
            await setter.SendAsync(RespConnection.Encode([Encoding.ASCII.GetBytes("SET"), Encoding.ASCII.GetBytes("big"), new byte[ValueSize]]));
            Assert.Equal("+OK\r\n", await setter.ReadReplyAsync());
        }
        var baseline = proxy.ResidentBytes();
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        slow.ReceiveBufferSize = 64 * 1024;
        await slow.ConnectAsync("127.0.0.1", proxy.Port);
        var get = RespConnection.Encode("GET", "big");
        await slow.SendAsync(Enumerable.Repeat(get, Gets).SelectMany(g => g).ToArray(), SocketFlags.None);

        // Meanwhile another client works normally, and the proxy's memory is watched.
        var peak = baseline;
        using var good = new RespConnection(proxy.Port);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("+OK\r\n", await good.CallAsync("SET", $"g{i}", "ok"));
            Assert.Equal(Bulk("ok"), await good.CallAsync("GET", $"g{i}"));
            peak = Math.Max(peak, proxy.ResidentBytes());
        }
        // The slow client reads nothing until the proxy has closed it, so the disconnection does
        // not depend on how fast the replies were produced; the log line says it happened.
        await Poll.UntilAsync(() =>
        {
            peak = Math.Max(peak, proxy.ResidentBytes());
            return Task.FromResult(proxy.Log.Contains("reply bytes unread; closing it") ? "logged" : null);
        }, TimeSpan.FromSeconds(60), "the proxy did not log why it closed the slow client");
        // Reading now ends: what the kernel buffered, then EOF/reset.
        var received = await SocketDrain.UntilClosedAsync(slow, () => peak = Math.Max(peak, proxy.ResidentBytes()), atMost: (long)Gets * ValueSize / 2);
        peak = Math.Max(peak, proxy.ResidentBytes());
        output.WriteLine($"baseline RSS {baseline >> 20} MiB, peak {peak >> 20} MiB; slow client got {received >> 20} MiB of {(long)Gets * ValueSize >> 20} MiB before being closed; good client took {watch.ElapsedMilliseconds} ms");
        Assert.True(received < (long)Gets * ValueSize / 2, "the slow client was not disconnected");
        Assert.True(peak - baseline < 200L << 20, $"proxy grew by {(peak - baseline) >> 20} MiB");
        Assert.False(proxy.Process.HasExited);
        Assert.Equal("$-1\r\n", await good.CallAsync("GET", "nothing"));
    }

    [Fact]
    public async Task RequestOverSizeLimit_BulkTooLongIsAProtocolError_CommandTooLongCloses_OthersServed()
    {
        using var server = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([server.Port], "request_size_limit: 1000");
        using var other = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await other.CallAsync("SET", "k", new string('x', 900)));

        // One argument over the limit: redis-server's answer to a bulk over proto-max-bulk-len.
        using (var c = new RespConnection(proxy.Port))
        {
            await c.SendAsync([.. RespConnection.Encode("PING"), .. RespConnection.Encode("SET", "k", new string('y', 2000))]);
            Assert.Equal("+PONG\r\n-ERR Protocol error: invalid bulk length\r\n", await c.ReadToEndAsync());
        }
        // Every argument within the limit, the command over it (client-query-buffer-limit):
        // the replies before it, then the close; only its header has to arrive.
        using (var c = new RespConnection(proxy.Port))
        {
            var mset = RespConnection.Encode("MSET", "a", new string('a', 600), "b", new string('b', 600));
            await c.SendAsync([.. RespConnection.Encode("GET", "k"), .. mset.AsSpan(0, 1100).ToArray()]);
            Assert.Equal(Bulk(new string('x', 900)), await c.ReadToEndAsync());
        }
        Assert.Equal(Bulk(new string('x', 900)), await other.CallAsync("GET", "k"));
        Assert.Equal("$-1\r\n", await other.CallAsync("GET", "a"));
    }

    [Fact]
    public async Task ServerInflightLimit_PausesClientsUntilRepliesDrain_RepliesStayInOrder()
    {
        using var server = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([server.Port], "server_inflight_limit: 4");
        using var client = new RespConnection(proxy.Port);
        using var watcher = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await client.CallAsync("SET", "v", "x"));
        var before = await InfoCounterAsync(watcher, "server_0_requests");
        var gets = new MemoryStream();
        for (var i = 0; i < 100; i++)
        {
            gets.Write(RespConnection.Encode("GET", "v"));
        }
        // The stopped server holds its replies: the proxy must stop forwarding at the limit.
        server.Signal("STOP");
        try
        {
            await client.SendAsync(gets.ToArray());
            await Poll.UntilAsync(async () => await InfoCounterAsync(watcher, "server_0_requests") >= before + 4 ? "" : null,
                TimeSpan.FromSeconds(20), "the first requests were not forwarded");
            await Task.Delay(300); // a proxy without the limit would forward the rest now; give it the chance
            Assert.Equal(before + 4, await InfoCounterAsync(watcher, "server_0_requests"));
            Assert.Equal("+PONG\r\n", await watcher.CallAsync("PING"));
        }
        finally
        {
            server.Signal("CONT");
        }
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(Bulk("x"), await client.ReadReplyAsync());
        }
        Assert.Equal(before + 100, await InfoCounterAsync(watcher, "server_0_requests"));
    }

    [Fact]
    public async Task PipelineThenHalfClose_AtTheInflightLimit_EveryCommandIsStillAnswered()
    {
        using var a = RedisServer.Start();
        using var b = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([a.Port, b.Port], "server_inflight_limit: 2");
        using var client = new RespConnection(proxy.Port);
        var requests = new MemoryStream();
        var expected = new StringBuilder();
        for (var i = 0; i < 500; i++)
        {
            requests.Write(RespConnection.Encode("SET", $"h{i}", $"{i}"));
            requests.Write(RespConnection.Encode("GET", $"h{i}"));
            expected.Append("+OK\r\n").Append(Bulk($"{i}"));
            if (i % 50 == 0)
            {
                // A split command among them (fragments to both servers).
                requests.Write(RespConnection.Encode("MGET", "h0", $"h{i}", "missing"));
                expected.Append("*3\r\n").Append(Bulk("0")).Append(Bulk($"{i}")).Append("$-1\r\n");
            }
        }
        await client.SendAsync(requests.ToArray());
        client.ShutdownSend();
        Assert.Equal(expected.ToString(), await client.ReadToEndAsync());
    }

    [Fact]
    public async Task Info_ShowsThePoolsTwemproxyCounters_TheyMoveWithTraffic()
    {
        using var a = RedisServer.Start();
        using var b = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([a.Port, b.Port]);
        using var c = new RespConnection(proxy.Port);
        var requestsBefore = await InfoCounterAsync(c, "server_0_requests") + await InfoCounterAsync(c, "server_1_requests");
        var responsesBefore = await InfoCounterAsync(c, "server_0_responses") + await InfoCounterAsync(c, "server_1_responses");
        var fragmentsBefore = await InfoCounterAsync(c, "fragments");
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", $"i{i}", "v"));
        }
        var mget = await c.CallAsync(["MGET", .. Enumerable.Range(0, 20).Select(i => $"i{i}")]);
        Assert.StartsWith("*20\r\n", mget);
        var requests = await InfoCounterAsync(c, "server_0_requests") + await InfoCounterAsync(c, "server_1_requests");
        var responses = await InfoCounterAsync(c, "server_0_responses") + await InfoCounterAsync(c, "server_1_responses");
        output.WriteLine($"requests {requestsBefore} -> {requests}, responses {responsesBefore} -> {responses}");
        // 20 SETs plus the MGET's fragments (one per server: its keys landed on both).
        Assert.Equal(requestsBefore + 22, requests);
        Assert.Equal(responsesBefore + 22, responses);
        Assert.Equal(fragmentsBefore + 2, await InfoCounterAsync(c, "fragments"));
        var info = await c.CallAsync("INFO");
        Assert.Contains("\r\nserver_1_name:r1\r\n", info);
        Assert.Contains("\r\nserver_ejects:0\r\n", info);
    }

    [Fact]
    public async Task Sigterm_StopsAccepting_InFlightRedisRequestsGetTheirReplies_ThenExitsZero()
    {
        using var server = RedisServer.Start();
        using var proxy = TestProxy.StartMemcachedProcess([server.Port], "redis: true");
        using var client = new RespConnection(proxy.Port);
        using var idle = new RespConnection(proxy.Port);
        Assert.Equal("+PONG\r\n", await idle.CallAsync("PING"));
        var before = await InfoCounterAsync(idle, "server_0_requests");

        // The server is stopped so the requests stay in flight; the proxy has forwarded them once
        // its request counter has moved.
        server.Signal("STOP");
        try
        {
            await client.SendAsync([.. RespConnection.Encode("SET", "t", "done"), .. RespConnection.Encode("GET", "t")]);
            await Poll.UntilAsync(async () => await InfoCounterAsync(idle, "server_0_requests") >= before + 2 ? "" : null,
                TimeSpan.FromSeconds(20), "the requests were not forwarded");

            proxy.Signal("TERM");
            // The listener goes away first: new clients are refused.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                try
                {
                    using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    await late.ConnectAsync("127.0.0.1", proxy.Port);
                }
                catch (SocketException)
                {
                    break;
                }
                Assert.True(DateTime.UtcNow < deadline, "still accepting after the signal");
                await Task.Delay(20);
            }
            // The idle client is closed; the requests in flight still get their replies, then the close.
            Assert.Empty(await idle.ReadToEndAsync());
        }
        finally
        {
            server.Signal("CONT");
        }
        Assert.Equal("+OK\r\n" + Bulk("done"), await client.ReadToEndAsync());
        Assert.True(proxy.Process.WaitForExit(20000), "the proxy did not exit");
        Assert.Equal(0, proxy.Process.ExitCode);
    }
}
