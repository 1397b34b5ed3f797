using System.Net.Sockets;
using System.Text;
using Sharpcracker.IntegrationTests.Differential;

namespace Sharpcracker.IntegrationTests.Memcached;

public sealed class ProxyBehaviourTests
{
    [Fact]
    public async Task ClientConnectionsLimit_ClosesTheExtraClientAtAccept()
    {
        using var server = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([server.Port], "client_connections: 2");
        using var c1 = new McConnection(proxy.Port);
        using var c2 = new McConnection(proxy.Port);
        Assert.Equal("END\r\n", await c1.RoundTripAsync("get x\r\n", "END\r\n"));
        Assert.Equal("END\r\n", await c2.RoundTripAsync("get x\r\n", "END\r\n"));
        using var c3 = new McConnection(proxy.Port);
        await c3.SendAsync("get x\r\n");
        Assert.Empty(await c3.ReadToEndAsync());
        // The first clients are unaffected.
        Assert.Equal("END\r\n", await c1.RoundTripAsync("get x\r\n", "END\r\n"));
    }

    [Fact]
    public async Task ServerDown_GetsServerErrorAndOtherServersKeepWorking()
    {
        using var alive = ExternalProcess.StartMemcached();
        var deadPort = FreePort.Next();
        // md5 spreads these short similar keys; twemproxy's fnv1a_64 famously clusters them.
        await using var proxy = await TestProxy.StartMemcachedAsync([alive.Port, deadPort], "hash: md5");
        using var connection = new McConnection(proxy.Port);
        var sawRefused = false;
        var sawStored = false;
        for (var i = 0; i < 40; i++)
        {
            await connection.SendAsync($"set down{i} 0 0 1\r\nx\r\n");
            var line = await connection.ReadLineAsync();
            sawRefused |= line == "SERVER_ERROR Connection refused";
            sawStored |= line == "STORED";
            Assert.True(line is "STORED" or "SERVER_ERROR Connection refused", line);
        }
        Assert.True(sawRefused && sawStored, "keys should land on both the live and the dead server");
    }

    [Fact]
    public async Task Timeout_StoppedServerGivesTimeoutErrorThenRecovers()
    {
        using var server = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([server.Port], "timeout: 300");
        using var connection = new McConnection(proxy.Port);
        Assert.Equal("STORED\r\n", await connection.RoundTripAsync("set t 0 0 1\r\nx\r\n", "STORED\r\n"));
        server.Signal("STOP");
        try
        {
            var started = DateTime.UtcNow;
            await connection.SendAsync("get t\r\n");
            Assert.Equal("SERVER_ERROR Connection timed out", await connection.ReadLineAsync());
            var elapsed = DateTime.UtcNow - started;
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"timeout error took {elapsed}");
        }
        finally
        {
            server.Signal("CONT");
        }
        Assert.Equal("VALUE t 0 1\r\nx\r\nEND\r\n", await connection.RoundTripAsync("get t\r\n", "VALUE t 0 1\r\nx\r\nEND\r\n"));
    }

    [Fact]
    public async Task MultiGetWithOneServerDown_AnswersOneServerError()
    {
        using var alive = ExternalProcess.StartMemcached();
        var deadPort = FreePort.Next();
        // md5 spreads these short similar keys; twemproxy's fnv1a_64 famously clusters them.
        await using var proxy = await TestProxy.StartMemcachedAsync([alive.Port, deadPort], "hash: md5");
        using var connection = new McConnection(proxy.Port);
        var keys = string.Join(' ', Enumerable.Range(0, 30).Select(i => "mg" + i));
        // "bogus" is answered by the proxy itself: its ERROR must come right after the single error line.
        await connection.SendAsync($"get {keys}\r\nbogus\r\n");
        Assert.Equal("SERVER_ERROR Connection refused", await connection.ReadLineAsync());
        Assert.Equal("ERROR", await connection.ReadLineAsync());
    }

    [Fact]
    public async Task FlushAll_ReachesEveryServer()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        using var s3 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([s1.Port, s2.Port, s3.Port]);
        using var connection = new McConnection(proxy.Port);
        var sets = new StringBuilder();
        for (var i = 0; i < 60; i++)
        {
            sets.Append($"set f{i} 0 0 1\r\nx\r\n");
        }
        await connection.SendAsync(sets.ToString());
        await connection.ReadExactlyAsync(60 * "STORED\r\n".Length);
        Assert.Equal("OK\r\n", await connection.RoundTripAsync("flush_all\r\n", "OK\r\n"));
        var gets = "get " + string.Join(' ', Enumerable.Range(0, 60).Select(i => "f" + i)) + "\r\n";
        Assert.Equal("END\r\n", await connection.RoundTripAsync(gets, "END\r\n"));
        foreach (var server in new[] { s1, s2, s3 })
        {
            Assert.Equal(1, await DifferentialTests.StatAsync(server.Port, "cmd_flush"));
        }
    }

    [Fact]
    public async Task Stats_ReturnsProxyCountersInMemcachedFormat()
    {
        using var server = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([server.Port]);
        using var connection = new McConnection(proxy.Port);
        await connection.SendAsync("stats\r\n");
        var lines = new List<string>();
        while (true)
        {
            var line = await connection.ReadLineAsync();
            if (line == "END")
            {
                break;
            }
            lines.Add(line);
        }
        Assert.All(lines, l => Assert.Matches(@"^STAT [a-z0-9_]+ \S+$", l));
        Assert.Contains(lines, l => l.StartsWith("STAT version sharpcracker-", StringComparison.Ordinal));
        Assert.Contains("STAT curr_connections 1", lines);
    }

    [Fact]
    public async Task UnixSocketListener_WithPermissions()
    {
        using var server = ExternalProcess.StartMemcached();
        var path = Path.Combine(Path.GetTempPath(), $"sc-{Guid.NewGuid():N}.sock");
        var yaml = $"""
            unixpool:
              listen: {path} 0600
              servers:
                - 127.0.0.1:{server.Port}:1
            """;
        await using (var proxy = await TestProxy.StartAsync(yaml, 0))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
            await socket.SendAsync("set u 0 0 1\r\nx\r\nget u\r\n"u8.ToArray(), SocketFlags.None);
            var expected = "STORED\r\nVALUE u 0 1\r\nx\r\nEND\r\n";
            var buffer = new byte[expected.Length];
            var got = 0;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (got < buffer.Length)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, cts.Token);
                Assert.NotEqual(0, n);
                got += n;
            }
            Assert.Equal(expected, Encoding.ASCII.GetString(buffer));
        }
        Assert.False(File.Exists(path), "the socket file is removed at shutdown");
    }

    [Fact]
    public async Task OneBadClientDoesNotDisturbAnother()
    {
        using var server = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([server.Port]);
        using var good = new McConnection(proxy.Port);
        using var bad = new McConnection(proxy.Port);
        var junk = new byte[3000];
        new Random(1).NextBytes(junk);
        junk.AsSpan().Replace((byte)'\n', (byte)'x');
        await bad.SendAsync(junk);
        await bad.ReadToEndAsync(); // closed like memcached closes a line over 2 KiB
        Assert.Equal("STORED\r\n", await good.RoundTripAsync("set g 0 0 1\r\nx\r\n", "STORED\r\n"));
    }

    [Fact]
    public async Task HalfClosedClient_StillGetsAllReplies()
    {
        using var server = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([server.Port]);
        using var connection = new McConnection(proxy.Port);
        await connection.SendAsync("set h 0 0 1\r\nx\r\nget h\r\n");
        connection.ShutdownSend();
        Assert.Equal("STORED\r\nVALUE h 0 1\r\nx\r\nEND\r\n", Encoding.ASCII.GetString(await connection.ReadToEndAsync()));
    }
}
