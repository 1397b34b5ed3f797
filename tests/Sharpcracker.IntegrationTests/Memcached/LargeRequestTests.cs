using System.Text;
using Sharpcracker.IntegrationTests.Differential;

namespace Sharpcracker.IntegrationTests.Memcached;

public sealed class LargeRequestTests
{
    [Fact]
    public async Task OneMebibyteAndLargerValues_RoundTrip()
    {
        using var s1 = ExternalProcess.StartMemcached("-I", "8m");
        using var s2 = ExternalProcess.StartMemcached("-I", "8m");
        await using var proxy = await TestProxy.StartMemcachedAsync([s1.Port, s2.Port]);
        using var connection = new McConnection(proxy.Port);
        foreach (var size in new[] { 1 << 20, 3 * (1 << 20) + 17 })
        {
            var value = new byte[size];
            new Random(size).NextBytes(value);
            var request = new MemoryStream();
            request.Write(Encoding.ASCII.GetBytes($"set big{size} 5 0 {size}\r\n"));
            request.Write(value);
            request.Write("\r\nget big"u8);
            request.Write(Encoding.ASCII.GetBytes($"{size}\r\n"));
            await connection.SendAsync(request.ToArray());
            Assert.Equal("STORED", await connection.ReadLineAsync());
            Assert.Equal($"VALUE big{size} 5 {size}", await connection.ReadLineAsync());
            var body = await connection.ReadExactlyAsync(size + 2);
            Assert.True(body.AsSpan(0, size).SequenceEqual(value), "value bytes differ");
            Assert.Equal("\r\nEND\r\n", Encoding.ASCII.GetString(body.AsSpan(size)) + Encoding.ASCII.GetString(await connection.ReadExactlyAsync(5)));
        }
    }

    [Fact]
    public async Task ValueOverBackendLimit_GetsMemcachedsErrorAndConnectionStaysUsable()
    {
        using var s1 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([s1.Port]);
        using var connection = new McConnection(proxy.Port);
        var size = 2 << 20;
        var request = new MemoryStream();
        request.Write(Encoding.ASCII.GetBytes($"set toolarge 0 0 {size}\r\n"));
        request.Write(new byte[size]);
        request.Write("\r\nset small 0 0 1\r\nx\r\n"u8);
        await connection.SendAsync(request.ToArray());
        Assert.Equal("SERVER_ERROR object too large for cache", await connection.ReadLineAsync());
        Assert.Equal("STORED", await connection.ReadLineAsync());
    }

    [Fact]
    public async Task MultiGetOfThousandKeysAcrossThreeServers_InKeyOrder()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        using var s3 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([s1.Port, s2.Port, s3.Port]);
        using var connection = new McConnection(proxy.Port);
        var keys = Enumerable.Range(0, 1000).Select(i => $"mk{i}").ToArray();
        var sets = new StringBuilder();
        // Every third key is left unset, so misses are interleaved with hits.
        foreach (var (key, i) in keys.Select((k, i) => (k, i)).Where(p => p.i % 3 != 0))
        {
            sets.Append($"set {key} {i} 0 {key.Length}\r\n{key}\r\n");
        }
        await connection.SendAsync(sets.ToString());
        var storedCount = keys.Length - (keys.Length + 2) / 3;
        var stored = Encoding.ASCII.GetString(await connection.ReadExactlyAsync(storedCount * "STORED\r\n".Length));
        Assert.Equal(string.Concat(Enumerable.Repeat("STORED\r\n", storedCount)), stored);

        // Request with a duplicate at the end, as memcached answers duplicates again.
        var requested = keys.Append("mk1").ToArray();
        var expected = new StringBuilder();
        foreach (var key in requested)
        {
            var i = int.Parse(key[2..]);
            if (i % 3 != 0)
            {
                expected.Append($"VALUE {key} {i} {key.Length}\r\n{key}\r\n");
            }
        }
        expected.Append("END\r\n");
        await connection.SendAsync("get " + string.Join(' ', requested) + "\r\n");
        var actual = Encoding.ASCII.GetString(await connection.ReadExactlyAsync(expected.Length));
        Assert.Equal(expected.ToString(), actual);
        foreach (var server in new[] { s1, s2, s3 })
        {
            Assert.True(await DifferentialTests.StatAsync(server.Port, "curr_items") > 50, "keys were not spread over all servers");
        }
    }
}
