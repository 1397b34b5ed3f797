using System.Text;
using Sharpcracker.IntegrationTests.Differential;

namespace Sharpcracker.IntegrationTests.Memcached;

/// <summary>
/// memcached's server-local admin commands through a pool of several servers: setting commands
/// reach every server and give one reply, per-server listings and streams are refused, and the
/// malformed forms (compared byte for byte with memcached in the differential corpus) never
/// disturb the connection.
/// </summary>
public sealed class AdminCommandTests
{
    [Fact]
    public async Task SettingCommands_ReachEveryServer_WithOneReply()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        using var s3 = ExternalProcess.StartMemcached();
        var servers = new[] { s1, s2, s3 };
        await using var proxy = await TestProxy.StartMemcachedAsync(servers.Select(s => s.Port));
        using var connection = new McConnection(proxy.Port);

        Assert.Equal("OK\r\n", await connection.RoundTripAsync("lru_crawler sleep 250\r\n", "OK\r\n"));
        Assert.Equal("OK\r\n", await connection.RoundTripAsync("cache_memlimit 100\r\n", "OK\r\n"));
        // noreply: every server still answers the proxy; the client sees nothing, so the next
        // reply it reads is the version's.
        await connection.SendAsync("slabs automove 2 noreply\r\nversion\r\n");
        Assert.StartsWith("VERSION ", await connection.ReadLineAsync());

        foreach (var server in servers)
        {
            var settings = await SettingsAsync(server.Port);
            Assert.Equal("250", settings["lru_crawler_sleep"]);
            Assert.Equal((100L * 1024 * 1024).ToString(), settings["maxbytes"]);
            Assert.Equal("2", settings["slab_automove"]);
        }

        var sets = new StringBuilder();
        for (var i = 0; i < 30; i++)
        {
            sets.Append($"set {i}:reset 0 0 1\r\nx\r\n");
        }
        await connection.SendAsync(sets.ToString());
        await connection.ReadExactlyAsync(30 * "STORED\r\n".Length);
        foreach (var server in servers)
        {
            var n = await DifferentialTests.StatAsync(server.Port, "cmd_set");
            Assert.True(n > 0, $"cmd_set {n} on {server.Port}");
        }
        Assert.Equal("RESET\r\n", await connection.RoundTripAsync("stats reset\r\n", "RESET\r\n"));
        foreach (var server in servers)
        {
            Assert.Equal(0, await DifferentialTests.StatAsync(server.Port, "cmd_set"));
        }
    }

    [Fact]
    public async Task OneServersRefusal_IsTheReply()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached("-o", "no_lru_crawler");
        await using var proxy = await TestProxy.StartMemcachedAsync([s1.Port, s2.Port]);
        using var connection = new McConnection(proxy.Port);
        await connection.SendAsync("lru_crawler crawl all\r\nget a\r\n");
        Assert.Equal("CLIENT_ERROR lru crawler disabled", await connection.ReadLineAsync());
        Assert.Equal("END", await connection.ReadLineAsync());
    }

    [Theory]
    [InlineData("stats items")]
    [InlineData("stats slabs")]
    [InlineData("stats settings")]
    [InlineData("stats conns")]
    [InlineData("stats sizes")]
    [InlineData("stats detail dump")]
    [InlineData("stats cachedump 1 10")]
    [InlineData("lru_crawler metadump all")]
    [InlineData("watch")]
    [InlineData("watch fetchers mutations")]
    public async Task ListingsAndStreams_AreRefused_AndTheConnectionStaysUsable(string command)
    {
        using var server = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([server.Port]);
        using var connection = new McConnection(proxy.Port);
        await connection.SendAsync(command + "\r\nset k 0 0 1\r\nv\r\nget k\r\n");
        Assert.Equal("SERVER_ERROR not supported by proxy", await connection.ReadLineAsync());
        Assert.Equal("STORED", await connection.ReadLineAsync());
        Assert.Equal("VALUE k 0 1", await connection.ReadLineAsync());
        Assert.Equal("v", await connection.ReadLineAsync());
        Assert.Equal("END", await connection.ReadLineAsync());
    }

    private static async Task<Dictionary<string, string>> SettingsAsync(int port)
    {
        using var connection = new McConnection(port);
        await connection.SendAsync("stats settings\r\nquit\r\n");
        var text = Encoding.Latin1.GetString(await connection.ReadToEndAsync());
        return text.Split("\r\n")
            .Where(l => l.StartsWith("STAT ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', 3))
            .ToDictionary(p => p[1], p => p[2]);
    }
}
