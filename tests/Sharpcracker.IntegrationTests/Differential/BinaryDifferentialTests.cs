using System.Text;
using static Sharpcracker.IntegrationTests.Differential.BinaryCorpus;
using static Sharpcracker.Testing.BinaryPacket;

namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// The binary corpus sent to a real memcached directly and through Sharpcracker: replies must be
/// byte-identical over one backend, and identical except cas values over three (each server has
/// its own cas counter). Replies in request order across servers make the three-server stream
/// equal to one memcached's.
/// </summary>
public sealed class BinaryDifferentialTests
{
    [Fact]
    public void CorpusCoversEveryOpcode()
    {
        var opcodes = All.SelectMany(s => Split(s.Bytes)).ToHashSet();
        foreach (var opcode in new byte[] { Get, Set, Add, Replace, Delete, Incr, Decr, Quit, Flush, GetQ, Noop, BinaryCorpus.Version, GetK, GetKQ,
            Append, Prepend, Stat, SetQ, AddQ, ReplaceQ, DeleteQ, IncrQ, DecrQ, QuitQ, FlushQ, AppendQ, PrependQ, Verbosity, Touch,
            Gat, GatQ, SaslList, SaslAuth, SaslStep, GatK, GatKQ })
        {
            Assert.Contains(opcode, opcodes);
        }
        Assert.Equal(All.Count, All.Select(s => s.Name).Distinct().Count());
    }

    /// <summary>Request opcodes of a sequence (walks the request packets by their body length).</summary>
    private static IEnumerable<byte> Split(byte[] bytes)
    {
        var list = new List<byte>();
        var at = 0;
        while (bytes.Length - at >= 24 && bytes[at] == 0x80)
        {
            list.Add(bytes[at + 1]);
            at += 24 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at + 8));
        }
        return list;
    }

    [Fact]
    public async Task OneBackend_RepliesAreByteIdentical()
    {
        using var direct = ExternalProcess.StartMemcached();
        using var backend = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([backend.Port]);
        var mismatches = await CompareAsync(direct.Port, proxy.Port, static r => r);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task ThreeBackends_RepliesAreIdenticalExceptCasValues()
    {
        using var direct = ExternalProcess.StartMemcached();
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        using var b3 = ExternalProcess.StartMemcached();
        // md5 ketama spreads these keys over all three servers (fnv1a_64 leaves s2 almost none of them).
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port, b3.Port], "hash: md5");
        var mismatches = await CompareAsync(direct.Port, proxy.Port, WithoutCas);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        // The corpus really spread over the servers.
        var hits = new List<long>();
        foreach (var backend in new[] { b1, b2, b3 })
        {
            hits.Add(await DifferentialTests.StatAsync(backend.Port, "get_hits"));
        }
        Assert.True(hits.All(h => h > 3), $"get hits per backend: {string.Join(", ", hits)}");
    }

    private static async Task<List<string>> CompareAsync(int directPort, int proxyPort, Func<byte[], byte[]> normalize)
    {
        var mismatches = new List<string>();
        foreach (var sequence in All)
        {
            var expected = normalize(await RunAsync(directPort, sequence.Bytes, sequence.ClosesItself));
            var actual = normalize(await RunAsync(proxyPort, sequence.Bytes, sequence.ClosesItself));
            Assert.True(expected.Length >= 24 || sequence.Name.StartsWith("bad-magic", StringComparison.Ordinal) || sequence.Name.StartsWith("quitq", StringComparison.Ordinal),
                $"[{sequence.Name}] memcached sent nothing: the harness is broken");
            if (!expected.AsSpan().SequenceEqual(actual))
            {
                mismatches.Add($"[{sequence.Name}]\n  memcached: {Describe(expected)}\n  proxy:     {Describe(actual)}");
            }
        }
        return mismatches;
    }

    internal static async Task<byte[]> RunAsync(int port, byte[] bytes, bool closesItself)
    {
        using var connection = new McConnection(port);
        await connection.SendAsync(closesItself ? bytes : Concat(bytes, Request(Quit, opaque: 0x51515151)));
        return await connection.ReadToEndAsync();
    }

    internal static string Describe(byte[] stream)
    {
        var packets = BinaryPacket.Split(stream, out var remainder);
        var sb = new StringBuilder();
        foreach (var p in packets)
        {
            var value = p.ValueText.Length > 40 ? p.ValueText[..40] + "…" : p.ValueText;
            sb.Append($"[op {p.Opcode:x2} st {p.Status:x4} opq {p.Opaque:x} cas {p.Cas} ext {Convert.ToHexString(p.Extras)} key '{p.KeyText}' val '{value.Replace("\r", "\\r").Replace("\n", "\\n")}'] ");
        }
        if (remainder > 0)
        {
            sb.Append($"+{remainder} bytes");
        }
        return sb.ToString();
    }

    /// <summary>
    /// A pipeline written in two parts cut at every byte offset (t/binary.t "protocol overruns"):
    /// each cut gives the same replies as the whole pipeline sent to memcached at once.
    /// </summary>
    [Fact]
    public async Task SplitWritesAtEveryOffset_GiveTheSameReplies()
    {
        using var direct = ExternalProcess.StartMemcached();
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port]);
        var pipeline = Concat(
            SetPacket("split-a", "alpha", 1, opcode: SetQ),
            SetPacket("split-b", "beta", 2),
            Request(GetQ, "split-a", opaque: 3),
            Request(GetKQ, "split-b", opaque: 4),
            Request(GetQ, "split-miss", opaque: 5),
            Request(Incr, "split-n", CounterExtras(1, 10)),
            Request(Noop, opaque: 6));
        // The second run is the one to compare with: from then on split-n exists when the delete comes.
        await RunAsync(direct.Port, Concat(Request(Delete, "split-n"), pipeline), false);
        var expected = WithoutCas(await RunAsync(direct.Port, Concat(Request(Delete, "split-n"), pipeline), false));
        await RunAsync(proxy.Port, Concat(Request(Delete, "split-n"), pipeline), false);
        for (var cut = 1; cut < pipeline.Length; cut++)
        {
            using var connection = new McConnection(proxy.Port);
            await connection.SendAsync(Request(Delete, "split-n"));
            await connection.SendAsync(pipeline[..cut]);
            await Task.Delay(1); // let the first part arrive on its own (not a synchronisation: any timing must pass)
            await connection.SendAsync(Concat(pipeline[cut..], Request(Quit, opaque: 0x51515151)));
            var actual = WithoutCas(await connection.ReadToEndAsync());
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"cut at {cut}:\n  memcached: {Describe(expected)}\n  proxy:     {Describe(actual)}");
        }
    }

    /// <summary>t/binary.t "protocol overruns": SETQ pairs of about 2 KB values cut at offsets 2024-2096, read back intact.</summary>
    [Fact]
    public async Task LargeQuietSetsSplitNearTheReadBuffer_AreStoredIntact()
    {
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port]);
        for (var cut = 2024; cut <= 2096; cut += 8)
        {
            var v1 = new string('a', 1900 + cut % 50);
            var v2 = new string('b', 2100 - cut % 50);
            var both = Concat(SetPacket("over1", v1, opcode: SetQ), SetPacket("over2", v2, opcode: SetQ));
            using var connection = new McConnection(proxy.Port);
            await connection.SendAsync(both[..cut]);
            await Task.Delay(1);
            await connection.SendAsync(Concat(both[cut..], Request(GetK, "over1"), Request(GetK, "over2"), Request(Noop)));
            var replies = await ReadUntilAsync(connection, Noop);
            Assert.Equal(3, replies.Count);
            Assert.Equal(v1, replies[0].ValueText);
            Assert.Equal(v2, replies[1].ValueText);
        }
    }
}
