
namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// The corpus sent to a real redis-server directly and through Sharpcracker: replies must be
/// byte-identical. One backend: every command. Three backends: the commands whose keys need not
/// share a server (single-key commands and the split MGET/MSET/DEL/UNLINK/TOUCH/EXISTS).
/// </summary>
public sealed class RedisDifferentialTests
{
    [Fact]
    public void CorpusIsLargeEnough()
    {
        Assert.True(RedisCorpus.All.Count >= 150, $"corpus has {RedisCorpus.All.Count} commands");
        Assert.True(RedisCorpus.All.Count(c => !c.SameServerOnly) >= 150);
    }

    [Fact]
    public async Task OneBackend_RepliesAreByteIdentical()
    {
        using var direct = RedisServer.Start();
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port]);
        var mismatches = await CompareAsync(direct.Port, proxy.Port, RedisCorpus.All);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task ThreeBackends_SingleKeyAndSplitCommandsAreByteIdentical()
    {
        using var direct = RedisServer.Start();
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        // murmur spreads this corpus's few keys over all three (fnv1a_64, the default, is famously lumpy).
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port], "hash: murmur");
        var mismatches = await CompareAsync(direct.Port, proxy.Port, RedisCorpus.All.Where(c => !c.SameServerOnly).ToList());
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        // The keys really were spread: every backend holds some of them.
        foreach (var backend in new[] { b1, b2, b3 })
        {
            using var c = new RespConnection(backend.Port);
            var size = await c.CallAsync("DBSIZE");
            Assert.True(long.Parse(size[1..^2]) >= 3, $"backend {backend.Port} holds {size.Trim()} keys");
        }
    }

    [Fact]
    public async Task PipelinedCorpus_SameBytesAsSentOneByOne()
    {
        // The whole corpus in one write: replies in order, identical to the direct server's.
        using var direct = RedisServer.Start();
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port]);
        var commands = RedisCorpus.All.Where(c => !c.SameServerOnly).ToList();
        var bytes = commands.SelectMany(c => RespConnection.Encode(c.Args)).ToArray();
        var expected = await SendAllAsync(direct.Port, bytes, commands.Count);
        var actual = await SendAllAsync(proxy.Port, bytes, commands.Count);
        for (var i = 0; i < commands.Count; i++)
        {
            Assert.True(expected[i] == actual[i], $"{commands[i]}: direct {Show(expected[i])} proxy {Show(actual[i])}");
        }
    }

    [Fact]
    public async Task CommandsSplitIntoTinyWrites_SameReplies()
    {
        // Commands straddle many reads (and the pipe's segments): parsing must not depend on where bytes arrive.
        using var direct = RedisServer.Start();
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port]);
        var commands = RedisCorpus.All.Where(c => !c.SameServerOnly).ToList();
        var bytes = commands.SelectMany(c => RespConnection.Encode(c.Args)).ToArray();
        var expected = await SendAllAsync(direct.Port, bytes, commands.Count);
        using var c = new RespConnection(proxy.Port);
        var random = new Random(7);
        for (var sent = 0; sent < bytes.Length;)
        {
            var n = Math.Min(bytes.Length - sent, random.Next(1, 40));
            await c.SendAsync(bytes[sent..(sent + n)]);
            sent += n;
        }
        for (var i = 0; i < commands.Count; i++)
        {
            var actual = await c.ReadReplyAsync();
            Assert.True(expected[i] == actual, $"{commands[i]}: direct {Show(expected[i])} proxy {Show(actual)}");
        }
    }

    /// <summary>Sends <paramref name="bytes"/> in one write on a new connection and reads <paramref name="count"/> replies.</summary>
    internal static async Task<List<string>> SendAllAsync(int port, byte[] bytes, int count)
    {
        using var c = new RespConnection(port);
        await c.SendAsync(bytes);
        var replies = new List<string>();
        for (var i = 0; i < count; i++)
        {
            replies.Add(await c.ReadReplyAsync());
        }
        return replies;
    }

    private static async Task<List<string>> CompareAsync(int directPort, int proxyPort, IReadOnlyList<RedisCorpus.Command> commands)
    {
        using var direct = new RespConnection(directPort);
        using var proxied = new RespConnection(proxyPort);
        return await MismatchesAsync(direct, proxied, commands);
    }

    /// <summary>Each command sent to a server and through the proxy, one after the other: the commands whose replies differ.</summary>
    internal static async Task<List<string>> MismatchesAsync(RespConnection direct, RespConnection proxied, IEnumerable<RedisCorpus.Command> commands)
    {
        var mismatches = new List<string>();
        foreach (var command in commands)
        {
            var expected = await direct.CallAsync(command.Args);
            var actual = await proxied.CallAsync(command.Args);
            if (expected != actual)
            {
                mismatches.Add($"{command}: direct {Show(expected)} proxy {Show(actual)}");
            }
        }
        return mismatches;
    }

    internal static string Show(string reply) => reply.Replace("\r\n", "\\r\\n");
}
