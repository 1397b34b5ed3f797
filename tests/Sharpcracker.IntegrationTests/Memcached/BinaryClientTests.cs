using System.Text;
using Sharpcracker.IntegrationTests.Differential;
using static Sharpcracker.IntegrationTests.Differential.BinaryCorpus;
using static Sharpcracker.Testing.BinaryPacket;

namespace Sharpcracker.IntegrationTests.Memcached;

/// <summary>Real binary-protocol clients through the proxy: libmemcached's tools and pylibmc, and raw replays of other clients' wire patterns.</summary>
public sealed class BinaryClientTests
{
    private static async Task<string> MemcapableAsync(int port, string mode)
    {
        var (exit, stdout, stderr) = await ToolProcess.RunAsync("memccapable", ["-h", "127.0.0.1", "-p", port.ToString(), mode, "-t", "10"]);
        Assert.True(exit == 0, $"memccapable {mode} exit {exit}\n{stdout}\n{stderr}");
        return stdout;
    }

    [Fact]
    public async Task Memcapable_Binary_PassesAll27_OverOneServer()
    {
        using var backend = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([backend.Port]);
        var output = await MemcapableAsync(proxy.Port, "-b");
        Assert.Equal(27, output.Split('\n').Count(l => l.StartsWith("binary ", StringComparison.Ordinal) && l.TrimEnd().EndsWith("[pass]", StringComparison.Ordinal)));
        Assert.Contains("All tests passed", output);
    }

    [Fact]
    public async Task Memcapable_BinaryAndAscii_PassAll_OverThreeServers()
    {
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        using var b3 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port, b3.Port], "hash: md5");
        var binary = await MemcapableAsync(proxy.Port, "-b");
        Assert.Equal(27, binary.Split('\n').Count(l => l.StartsWith("binary ", StringComparison.Ordinal) && l.TrimEnd().EndsWith("[pass]", StringComparison.Ordinal)));
        var ascii = await MemcapableAsync(proxy.Port, "-a");
        Assert.Contains("All tests passed", ascii);
        Assert.DoesNotContain("[fail]", ascii);
    }

    [Fact]
    public async Task LibmemcachedTools_Binary_CopyCatStatFlush()
    {
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port]);
        var servers = $"--servers=127.0.0.1:{proxy.Port}";
        var dir = Directory.CreateTempSubdirectory("sc-bin-");
        try
        {
            var files = Enumerable.Range(0, 6).Select(i => Path.Combine(dir.FullName, $"file{i}.txt")).ToList();
            for (var i = 0; i < files.Count; i++)
            {
                await File.WriteAllTextAsync(files[i], $"content {i} " + new string('x', i * 100));
            }
            var copy = await ToolProcess.RunAsync("memccp", [servers, "--binary", .. files]);
            Assert.True(copy.Exit == 0, copy.Out + copy.Err);
            var cat = await ToolProcess.RunAsync("memccat", [servers, "--binary", .. files.Select(Path.GetFileName)!]);
            Assert.True(cat.Exit == 0, cat.Out + cat.Err);
            Assert.Equal(string.Concat(files.Select(f => File.ReadAllText(f) + "\n")), cat.Out);
            // Written through binary, read through text: one item, on the same server.
            using (var text = new McConnection(proxy.Port))
            {
                var expected = $"VALUE file1.txt 0 {File.ReadAllText(files[1]).Length}\r\n{File.ReadAllText(files[1])}\r\nEND\r\n";
                Assert.Equal(expected, await text.RoundTripAsync("get file1.txt\r\n", expected));
            }
            var stat = await ToolProcess.RunAsync("memcstat", [servers, "--binary"]);
            Assert.True(stat.Exit == 0, stat.Out + stat.Err);
            Assert.Contains("curr_connections", stat.Out);
            var flush = await ToolProcess.RunAsync("memcflush", [servers, "--binary"]);
            Assert.True(flush.Exit == 0, flush.Out + flush.Err);
            var after = await ToolProcess.RunAsync("memccat", [servers, "--binary", Path.GetFileName(files[0])]);
            Assert.NotEqual(0, after.Exit);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Pylibmc_Binary_OverThreeServers()
    {
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        using var b3 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port, b3.Port], "hash: md5");
        var script = $$"""
            import pylibmc
            c = pylibmc.Client(["127.0.0.1:{{proxy.Port}}"], binary=True, behaviors={"cas": True})
            keys = ["py%d" % i for i in range(60)]
            for i, k in enumerate(keys):
                assert c.set(k, "value%d" % i)
            got = c.get_multi(keys + ["py-missing-1", "py-missing-2"])
            assert len(got) == 60 and got["py7"] == "value7" and "py-missing-1" not in got, got
            value, cas = c.gets("py1")
            assert value == "value1"
            assert c.cas("py1", "new", cas) is True
            assert c.cas("py1", "stale", cas) is False
            assert c.get("py1") == "new"
            assert c.touch("py2", 100) is True
            assert c.add("counter", "10") is True
            assert c.incr("counter", 5) == 15
            assert c.decr("counter", 100) == 0
            assert c.append("py3", "+tail") is True and c.get("py3") == "value3+tail"
            assert c.prepend("py3", "head+") is True and c.get("py3") == "head+value3+tail"
            assert c.delete("py4") is True and c.get("py4") is None
            assert c.add("py5", "x") is False
            c.flush_all()
            assert c.get_multi(keys) == {}
            print("ok")
            """;
        var (exit, stdout, stderr) = await ToolProcess.RunAsync("/usr/bin/python3", ["-c", script]);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal("ok", stdout.Trim());
        foreach (var backend in new[] { b1, b2, b3 })
        {
            Assert.True(await DifferentialTests.StatAsync(backend.Port, "cmd_get") > 0);
        }
    }

    /// <summary>
    /// spymemcached's BinaryConnectionFactory (Debian libspymemcached-java) over three servers:
    /// set, get, getBulk with a miss (GETQ per key + NOOP, opaques checked by the client), gets/cas
    /// (OK then EXISTS), incr with a default, touch, delete, add on an existing key, getVersions.
    /// </summary>
    [Fact]
    public async Task Spymemcached_BinaryConnectionFactory_OverThreeServers()
    {
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        using var b3 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port, b3.Port], "hash: md5");
        var (exit, stdout, stderr) = await ToolProcess.RunAsync("java", ["-cp", "/usr/share/java/spymemcached.jar", SourceFile("SpyCheck.java"), proxy.Port.ToString()]);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal("ok", stdout.Trim());
    }

    private static string SourceFile(string name, [System.Runtime.CompilerServices.CallerFilePath] string source = "")
        => Path.Combine(Path.GetDirectoryName(source)!, name);

    /// <summary>
    /// EnyimMemcachedCore's multi-get (binary.md §5): one GETQ per key with unique opaques, then a
    /// NOOP, matched by opaque; reading stops at the NOOP. Misses must be suppressed exactly, every
    /// hit must carry its own opaque and 32-bit flags, and the NOOP comes last.
    /// </summary>
    [Fact]
    public async Task EnyimStyleMultiGet_AcrossServers_HitsByOpaqueThenNoop()
    {
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        using var b3 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port, b3.Port], "hash: md5");
        using var connection = new McConnection(proxy.Port);
        await connection.SendAsync(Concat([.. Enumerable.Range(0, 30).Select(i => SetPacket("enyim" + i, "v" + i, (uint)(i * 1000 + 7), opcode: SetQ))]));
        uint opaque = 1000;
        var requests = new List<(uint Opaque, int Key)>();
        var batch = new List<byte[]>();
        for (var i = 0; i < 40; i++)
        {
            var key = i % 35; // keys 30-34 miss; 0-4 asked twice
            requests.Add((++opaque, key));
            batch.Add(Request(GetQ, "enyim" + key, opaque: opaque));
        }
        batch.Add(Request(Noop, opaque: ++opaque));
        await connection.SendAsync(Concat([.. batch]));
        var replies = await ReadUntilAsync(connection, Noop);
        Assert.Equal(opaque, replies[^1].Opaque);
        var hits = replies[..^1];
        var expected = requests.Where(r => r.Key < 30).ToList();
        Assert.Equal(expected.Count, hits.Count);
        for (var i = 0; i < hits.Count; i++)
        {
            Assert.Equal(GetQ, hits[i].Opcode);
            Assert.Equal(expected[i].Opaque, hits[i].Opaque);
            Assert.Equal("v" + expected[i].Key, hits[i].ValueText);
            Assert.Equal((uint)(expected[i].Key * 1000 + 7), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hits[i].Extras));
            Assert.NotEqual(0UL, hits[i].Cas);
        }
    }

    [Fact]
    public async Task TextAndBinary_SeeTheSameItems_AndShareOneListener()
    {
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port]);
        using var text = new McConnection(proxy.Port);
        using var binary = new McConnection(proxy.Port);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("STORED\r\n", await text.RoundTripAsync($"set cross{i} {i} 0 2\r\nt{i}\r\n", "STORED\r\n"));
            await binary.SendAsync(SetPacket("bcross" + i, "b" + i, (uint)i));
        }
        await binary.SendAsync(Concat([.. Enumerable.Range(0, 10).Select(i => Request(GetK, "cross" + i, opaque: (uint)i)), Request(Noop)]));
        var replies = await ReadUntilAsync(binary, Noop);
        var gets = replies.Where(r => r.Opcode == GetK).ToList();
        Assert.Equal(10, gets.Count);
        Assert.All(gets, r => Assert.Equal("t" + r.Opaque, r.ValueText));
        for (var i = 0; i < 10; i++)
        {
            var expected = $"VALUE bcross{i} {i} 2\r\nb{i}\r\nEND\r\n";
            Assert.Equal(expected, await text.RoundTripAsync($"get bcross{i}\r\n", expected));
        }
    }

    /// <summary>
    /// A store over request_size_limit: 0x03 "Too large." (quiet or not), the value swallowed, the
    /// connection kept, and for SET the old value deleted, as memcached does at its item size limit.
    /// </summary>
    [Fact]
    public async Task StoreOverRequestSizeLimit_TooLarge_OldValueDeleted_ConnectionKept()
    {
        using var backend = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([backend.Port], "request_size_limit: 1000");
        using var connection = new McConnection(proxy.Port);
        var big = new string('x', 2000);
        await connection.SendAsync(Concat(SetPacket("tl", "old"), SetPacket("tl", big, opaque: 1), SetPacket("tl2", "keep"),
            SetPacket("tl2", big, opcode: AddQ, opaque: 2), Request(Get, "tl", opaque: 3), Request(Get, "tl2", opaque: 4), Request(Noop, opaque: 5)));
        var replies = await ReadUntilAsync(connection, Noop);
        Assert.Equal(
            [(Set, 0, 0u, ""), (Set, 3, 1u, "Too large."), (Set, 0, 0u, ""), (AddQ, 3, 2u, "Too large."), (Get, 1, 3u, "Not found"), (Get, 0, 4u, "keep"), (Noop, 0, 5u, "")],
            replies.Select(r => (r.Opcode, (int)r.Status, r.Opaque, r.ValueText)).ToArray());
    }

    /// <summary>
    /// STAT with a stats group answers as the text <c>stats &lt;sub&gt;</c> does: reset and detail
    /// on|off reach every server (one empty packet back), per-server listings are refused with
    /// 0x83 "Not supported by proxy" as the text protocol's SERVER_ERROR not supported by proxy.
    /// </summary>
    [Fact]
    public async Task StatGroups_DetailOnReachesEveryServer_ListingsRefusedAsInTheTextProtocol()
    {
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port]);
        using var connection = new McConnection(proxy.Port);
        await connection.SendAsync(Concat(Request(Stat, "detail on", opaque: 1), Request(Noop, opaque: 2)));
        Assert.Equal([(Stat, 0, 1u, ""), (Noop, 0, 2u, "")],
            (await ReadUntilAsync(connection, Noop)).Select(r => (r.Opcode, (int)r.Status, r.Opaque, r.ValueText)).ToArray());
        foreach (var backend in new[] { b1, b2 })
        {
            using var direct = new McConnection(backend.Port);
            await direct.SendAsync("stats settings\r\n");
            string line;
            while ((line = await direct.ReadLineAsync()) != "END" && !line.StartsWith("STAT detail_enabled", StringComparison.Ordinal))
            {
            }
            Assert.Equal("STAT detail_enabled yes", line);
        }

        string[] listings = ["settings", "items", "slabs", "sizes", "sizes_enable", "sizes_disable", "detail dump"];
        await connection.SendAsync(Concat([.. listings.Select((k, i) => Request(Stat, k, opaque: (uint)(10 + i))), Request(Noop, opaque: 99)]));
        var replies = await ReadUntilAsync(connection, Noop);
        Assert.Equal([.. listings.Select((_, i) => (Stat, 0x83, (uint)(10 + i), "Not supported by proxy")), (Noop, 0, 99u, "")],
            replies.Select(r => (r.Opcode, (int)r.Status, r.Opaque, r.ValueText)).ToArray());
        using var text = new McConnection(proxy.Port);
        foreach (var listing in listings)
        {
            Assert.Equal("SERVER_ERROR not supported by proxy\r\n", await text.RoundTripAsync($"stats {listing}\r\n", "SERVER_ERROR not supported by proxy\r\n"));
        }
    }

    [Fact]
    public async Task ServerDown_AnswersInternalErrorWithTheReason_AndKeepsTheConnection()
    {
        var deadPort = FreePort.Next();
        await using var proxy = await TestProxy.StartMemcachedAsync([deadPort]);
        using var connection = new McConnection(proxy.Port);
        await connection.SendAsync(Concat(Request(Get, "k", opaque: 5), Request(Noop, opaque: 6)));
        var replies = await ReadUntilAsync(connection, Noop);
        Assert.Equal(2, replies.Count);
        Assert.Equal(0x0084, replies[0].Status);
        Assert.Equal(5u, replies[0].Opaque);
        Assert.Equal("Connection refused", replies[0].ValueText);
    }

    [Fact]
    public async Task ProtocolRestrictedPools_RefuseTheOtherProtocol()
    {
        using var backend = ExternalProcess.StartMemcached();
        await using (var textOnly = await TestProxy.StartMemcachedAsync([backend.Port], "memcache_protocol: text"))
        {
            using var c = new McConnection(textOnly.Port);
            await c.SendAsync(Request(Noop));
            // memcached -B ascii reads the packet as a command line; without a newline it waits, so end it.
            await c.SendAsync("\r\n");
            Assert.StartsWith("ERROR", Encoding.Latin1.GetString(await c.ReadExactlyAsync(5)));
        }
        await using var binaryOnly = await TestProxy.StartMemcachedAsync([backend.Port], "memcache_protocol: binary");
        using var t = new McConnection(binaryOnly.Port);
        await t.SendAsync("version\r\nversion\r\nversion\r\nversion\r\n");
        Assert.Empty(await t.ReadToEndAsync());
        using var b = new McConnection(binaryOnly.Port);
        await b.SendAsync(Request(Noop, opaque: 3));
        Assert.Equal(3u, (await ReadUntilAsync(b, Noop))[0].Opaque);
    }
}
