using System.Text;
using Sharpcracker.IntegrationTests.Differential;

namespace Sharpcracker.IntegrationTests.Memcached;

/// <summary>Meta-protocol behaviour the byte-for-byte corpus cannot show on its own.</summary>
public sealed class MetaBehaviourTests
{
    [Fact]
    public async Task LocallyRejectedMsSwallowsItsDataBlockArrivingInPieces()
    {
        using var backend = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([backend.Port]);
        using var connection = new McConnection(proxy.Port);
        // The data block is full of things that would be commands; all must be discarded unread.
        var block = string.Concat(Enumerable.Repeat("mn\r\nmg x v\r\nms x 1\r\n", 5000));
        await connection.SendAsync($"ms k {block.Length} Tx\r\n");
        Assert.Equal("CLIENT_ERROR bad token in command line format", await connection.ReadLineAsync());
        var bytes = Encoding.Latin1.GetBytes(block + "\r\n");
        for (var i = 0; i < bytes.Length; i += 7001)
        {
            await connection.SendAsync(bytes.AsSpan(i, Math.Min(7001, bytes.Length - i)).ToArray());
        }
        await connection.SendAsync("mn\r\n");
        Assert.Equal("MN", await connection.ReadLineAsync());
        await connection.SendAsync("quit\r\n");
        Assert.Empty(await connection.ReadToEndAsync());
    }

    [Fact]
    public async Task MnWaitsForEveryEarlierReplyAcrossServers()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        using var s3 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([s1.Port, s2.Port, s3.Port]);
        using var connection = new McConnection(proxy.Port);
        // Large values on some keys make their replies take longer than the others'.
        var value = new string('z', 300_000);
        var setup = new StringBuilder();
        for (var i = 0; i < 30; i++)
        {
            setup.Append($"ms {Key(i)} {value.Length} q\r\n{value}\r\n");
        }
        setup.Append("mn\r\n");
        await connection.SendAsync(setup.ToString());
        Assert.Equal("MN", await connection.ReadLineAsync());

        var request = new StringBuilder();
        var expected = new StringBuilder();
        for (var i = 0; i < 30; i++)
        {
            request.Append($"mg {Key(i)} s v q O{i}\r\nmg miss{i} v q\r\nmn\r\n");
            expected.Append($"VA {value.Length} s{value.Length} O{i}\r\n{value}\r\nMN\r\n");
        }
        await connection.SendAsync(request.ToString());
        var want = expected.ToString();
        var got = Encoding.Latin1.GetString(await connection.ReadExactlyAsync(want.Length));
        Assert.True(want == got, "replies out of order or altered");
        var sets = new List<long>();
        foreach (var server in new[] { s1, s2, s3 })
        {
            sets.Add(await DifferentialTests.StatAsync(server.Port, "cmd_set"));
        }
        Assert.True(sets.All(n => n > 0), "keys did not span every server: " + string.Join(", ", sets));
    }

    private static string Key(int i) => $"wide:{i * 7919 % 1000}:{(char)('a' + i % 26)}";

    [Fact]
    public async Task QuietCommandToAFailedServerStillReportsTheError()
    {
        var deadPort = FreePort.Next();
        await using var proxy = await TestProxy.StartMemcachedAsync([deadPort]);
        using var connection = new McConnection(proxy.Port);
        await connection.SendAsync("mg k v q\r\nms k 1 q\r\nx\r\nmn\r\n");
        // Errors are never hidden by q: both quiet commands report the failure.
        Assert.StartsWith("SERVER_ERROR ", await connection.ReadLineAsync());
        Assert.StartsWith("SERVER_ERROR ", await connection.ReadLineAsync());
        Assert.Equal("MN", await connection.ReadLineAsync());
    }
}
