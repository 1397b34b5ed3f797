using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Proxy;

/// <summary>The limits that protect the proxy (docs/operations.md, "Failures and limits").</summary>
public sealed class LimitTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RequestOverSizeLimit_ObjectTooLarge_DataSwallowed_SetDeletesOldValue()
    {
        using var server = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([server.Port], "request_size_limit: 1000");
        using var client = new McConnection(proxy.Port);
        Assert.Equal("STORED\r\n", await client.RoundTripAsync("set big 0 0 3\r\nold\r\n", "STORED\r\n"));
        var data = new string('x', 5000);
        // The data block is swallowed whole, even a line that looks like a command inside it.
        await client.SendAsync($"set big 0 0 5000\r\n{data[..2000]}\r\nget big\r\n{data[2011..]}\r\nappend big 0 0 5000 noreply\r\n{data}\r\nget big\r\n");
        Assert.Equal("SERVER_ERROR object too large for cache", await client.ReadLineAsync());
        // As memcached does: a failed set removes the old value; noreply hides the error.
        Assert.Equal("END", await client.ReadLineAsync());
        Assert.Equal("STORED\r\n", await client.RoundTripAsync("set small 0 0 1\r\nx\r\n", "STORED\r\n"));
    }

    [Fact]
    public async Task ServerInflightLimit_PausesClientsUntilRepliesDrain_RepliesStayInOrder()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var backend = new FakeBackend(async (_, _, line) =>
        {
            await release.Task; // replies are held (in order) until the test releases them
            return $"VALUE {line[4..]} 0 1\r\nv\r\nEND\r\n";
        });
        await using var proxy = await TestProxy.StartMemcachedAsync([backend.Port], "server_inflight_limit: 4");
        using var client = new McConnection(proxy.Port);
        var gets = string.Concat(Enumerable.Range(0, 100).Select(i => $"get k{i}\r\n"));
        await client.SendAsync(gets);
        // The backend holds its replies: the proxy must stop at the limit.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (backend.Lines < 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        await Task.Delay(300); // a proxy without the limit would send the rest now; give it the chance
        Assert.Equal(4, backend.Lines);
        release.SetResult();
        var expected = string.Concat(Enumerable.Range(0, 100).Select(i => $"VALUE k{i} 0 1\r\nv\r\nEND\r\n"));
        Assert.Equal(expected, Encoding.ASCII.GetString(await client.ReadExactlyAsync(expected.Length)));
    }

    [Fact]
    public async Task PipelineThenHalfClose_AtTheInflightLimit_EveryRequestIsStillAnswered()
    {
        using var server = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([server.Port], "server_inflight_limit: 2");
        using var client = new McConnection(proxy.Port);
        var requests = new StringBuilder();
        var expected = new StringBuilder();
        for (var i = 0; i < 500; i++)
        {
            requests.Append($"set h{i} 0 0 1\r\nx\r\nget h{i}\r\n");
            expected.Append($"STORED\r\nVALUE h{i} 0 1\r\nx\r\nEND\r\n");
        }
        await client.SendAsync(requests.ToString());
        client.ShutdownSend();
        Assert.Equal(expected.ToString(), Encoding.ASCII.GetString(await client.ReadToEndAsync()));
    }

    [Fact]
    public async Task SlowReaderOfLargeValues_IsDisconnected_ProxyMemoryStaysBounded_OthersUnaffected()
    {
        const int ValueSize = 1 << 20;
        const int Gets = 600; // 600 MiB of replies if the proxy buffered them all
        using var server = ExternalProcess.StartMemcached("-I", "2m", "-m", "64");
        using var proxy = TestProxy.StartMemcachedProcess([server.Port], "client_output_limit: 16777216");
        using (var setter = new McConnection(proxy.Port))
        {
            var set = new MemoryStream();
            set.Write(Encoding.ASCII.GetBytes($"set big 0 0 {ValueSize}\r\n"));
            set.Write(new byte[ValueSize]);
            set.Write("\r\n"u8);
            await setter.SendAsync(set.ToArray());
            Assert.Equal("STORED", await setter.ReadLineAsync());
        }
        var baseline = proxy.ResidentBytes();
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        slow.ReceiveBufferSize = 64 * 1024;
        await slow.ConnectAsync("127.0.0.1", proxy.Port);
        await slow.SendAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("get big\r\n", Gets))), SocketFlags.None);

        // Meanwhile another client works normally, and the proxy's memory is watched.
        var peak = baseline;
        using var good = new McConnection(proxy.Port);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("STORED\r\n", await good.RoundTripAsync($"set g{i} 0 0 2\r\nok\r\n", "STORED\r\n"));
            Assert.Equal($"VALUE g{i} 0 2\r\nok\r\nEND\r\n", await good.RoundTripAsync($"get g{i}\r\n", $"VALUE g{i} 0 2\r\nok\r\nEND\r\n"));
            peak = Math.Max(peak, proxy.ResidentBytes());
        }
        // The slow client never read, so the proxy must close it once its unread replies pass the
        // limit. Wait for that (client_err) before reading: a reader that started earlier could keep
        // up with the replies, and the limit would never be reached (the race that made this flaky).
        await Poll.UntilAsync(async () =>
        {
            peak = Math.Max(peak, proxy.ResidentBytes());
            using var stats = System.Text.Json.JsonDocument.Parse(await proxy.ReadStatsAsync());
            return stats.RootElement.GetProperty("alpha").GetProperty("client_err").GetInt64() >= 1 ? "" : null;
        }, TimeSpan.FromSeconds(60), "the slow client was not disconnected");
        // Reading now ends: what was buffered, then EOF/reset.
        var received = await SocketDrain.UntilClosedAsync(slow, () => peak = Math.Max(peak, proxy.ResidentBytes()), atMost: (long)Gets * ValueSize / 2);
        peak = Math.Max(peak, proxy.ResidentBytes());
        output.WriteLine($"baseline RSS {baseline >> 20} MiB, peak {peak >> 20} MiB; slow client got {received >> 20} MiB of {(long)Gets * ValueSize >> 20} MiB before being closed; good client took {watch.ElapsedMilliseconds} ms");
        Assert.True(received < (long)Gets * ValueSize / 2, "the slow client was not disconnected");
        Assert.True(peak - baseline < 200L << 20, $"proxy grew by {(peak - baseline) >> 20} MiB");
        Assert.False(proxy.Process.HasExited);
        Assert.Equal("END\r\n", await good.RoundTripAsync("get nothing\r\n", "END\r\n"));
    }

    [Fact]
    public async Task TenThousandIdleClients_ThenAllUsed_MemoryPerConnectionMeasured()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("SHARPCRACKER_IDLE_CLIENTS"), out var n) ? n : 10_000;
        using var server = ExternalProcess.StartMemcached();
        using var proxy = TestProxy.StartMemcachedProcess([server.Port], "backlog: 4096\npreconnect: true");
        using (var warm = new McConnection(proxy.Port))
        {
            Assert.Equal("STORED\r\n", await warm.RoundTripAsync("set idle 0 0 1\r\nx\r\n", "STORED\r\n"));
        }
        await Task.Delay(500); // let the freshly started runtime settle before the baseline
        var before = proxy.ResidentBytes();
        var sockets = new List<Socket>(count);
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var start = 0; start < count; start += 200)
            {
                var batch = Enumerable.Range(start, Math.Min(200, count - start)).Select(async _ =>
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    await s.ConnectAsync("127.0.0.1", proxy.Port);
                    return s;
                });
                sockets.AddRange(await Task.WhenAll(batch));
            }
            var connectMs = watch.ElapsedMilliseconds;
            // Every connection is accepted and held by a session before memory is read.
            Assert.True(await Poll.EventuallyAsync(async () => await proxy.ClientConnectionsAsync() >= count, 60),
                "the proxy did not accept every connection");
            var idle = proxy.ResidentBytes();
            var perIdle = (idle - before) / (double)count;

            watch.Restart();
            var request = "get idle\r\n"u8.ToArray();
            const string Expected = "VALUE idle 0 1\r\nx\r\nEND\r\n";
            for (var start = 0; start < count; start += 500)
            {
                await Task.WhenAll(sockets.Skip(start).Take(500).Select(async s =>
                {
                    await s.SendAsync(request, SocketFlags.None);
                    var buffer = new byte[Expected.Length];
                    var got = 0;
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                    while (got < buffer.Length)
                    {
                        var r = await s.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, cts.Token);
                        Assert.NotEqual(0, r);
                        got += r;
                    }
                    Assert.Equal(Expected, Encoding.ASCII.GetString(buffer));
                }));
            }
            var usedMs = watch.ElapsedMilliseconds;
            var used = proxy.ResidentBytes();
            output.WriteLine($"{count} clients: connect {connectMs} ms, RSS before {before >> 10} KiB, idle {idle >> 10} KiB " +
                $"({perIdle:F0} bytes per idle connection), after one request each {used >> 10} KiB " +
                $"({(used - before) / (double)count:F0} bytes per used connection); all used in {usedMs} ms");
            Assert.False(proxy.Process.HasExited);
        }
        finally
        {
            foreach (var s in sockets)
            {
                s.Dispose();
            }
        }
    }
}
