using System.Text;

namespace Sharpcracker.IntegrationTests.Redis;

/// <summary>
/// The default limits accept what redis-server accepts with its own defaults: an MSET of five
/// 16 MiB values (80 MiB in one command, over the proxy's old 64 MiB default) is forwarded, and
/// the MGET of those values comes back whole.
/// </summary>
public sealed class LargeCommandTests
{
    private const int ValueSize = 16 * 1024 * 1024;

    [Fact]
    public async Task MsetOf80MiB_AndItsMget_PassWithDefaultLimits()
    {
        using var r1 = RedisServer.Start();
        using var r2 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([r1.Port, r2.Port]);
        using var client = new RespConnection(proxy.Port);

        var keys = Enumerable.Range(0, 5).Select(i => Encoding.ASCII.GetBytes($"{i}:large")).ToArray();
        var values = Enumerable.Range(0, 5).Select(i => Value(i)).ToArray();
        var mset = new List<byte[]> { "MSET"u8.ToArray() };
        for (var i = 0; i < keys.Length; i++)
        {
            mset.Add(keys[i]);
            mset.Add(values[i]);
        }
        await client.SendAsync(RespConnection.Encode(mset.ToArray()));
        Assert.Equal("+OK\r\n", await client.ReadReplyAsync());

        await client.SendAsync(RespConnection.Encode([.. new[] { "MGET"u8.ToArray() }.Concat(keys)]));
        var reply = await client.ReadReplyBytesAsync();
        var expected = new MemoryStream();
        expected.Write("*5\r\n"u8);
        foreach (var value in values)
        {
            expected.Write(Encoding.ASCII.GetBytes($"${value.Length}\r\n"));
            expected.Write(value);
            expected.Write("\r\n"u8);
        }
        Assert.True(expected.ToArray().AsSpan().SequenceEqual(reply), $"MGET reply of {reply.Length} bytes differs");

        // The values are on the servers themselves, spread over both.
        var stored = 0;
        foreach (var server in new[] { r1, r2 })
        {
            using var direct = new RespConnection(server.Port);
            var size = await direct.CallAsync("DBSIZE");
            Assert.NotEqual(":0\r\n", size);
            stored += int.Parse(size[1..^2]);
        }
        Assert.Equal(5, stored);
    }

    private static byte[] Value(int i)
    {
        var value = new byte[ValueSize];
        for (var j = 0; j < value.Length; j += 4096)
        {
            value[j] = (byte)(i * 31 + j / 4096);
        }
        value[^1] = (byte)i;
        return value;
    }
}
