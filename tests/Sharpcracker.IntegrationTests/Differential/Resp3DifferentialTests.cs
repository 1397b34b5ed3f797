namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// <see cref="Resp3Corpus"/> sent after <c>HELLO 3</c> to a real redis-server directly and through
/// the proxy: byte-identical over one server; over three, every command whose keys need not share
/// a server is byte-identical too (the merged MGET/DEL/EXISTS/TOUCH/UNLINK/MSET replies equal what
/// one server answers for the same data). HELLO's own reply is compared by structure (its id is the
/// connection's). The same corpus without HELLO (RESP2) stays byte-identical.
/// </summary>
public sealed class Resp3DifferentialTests
{
    [Fact]
    public async Task Corpus_CoversEveryResp3Type()
    {
        // The corpus itself, against a real server: each RESP3 reply type appears, so the
        // comparisons below cover them all.
        using var server = RedisServer.Start();
        using var c = await OpenAsync(server.Port, 3);
        var types = new HashSet<char>();
        foreach (var command in Resp3Corpus.All)
        {
            Collect(RespTree.Parse(await c.CallAsync(command.Args)), types);
        }
        foreach (var type in "+-:$*%~,_#=(")
        {
            Assert.True(types.Contains(type), $"no reply of type '{type}' in the corpus");
        }
        Assert.True(Resp3Corpus.Extra.Count >= 150, $"{Resp3Corpus.Extra.Count} RESP3 commands");
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public async Task OneBackend_RepliesAreByteIdentical(int protocol, bool asAlice)
    {
        // asAlice: servers with requirepass, the pool with redis_auth and an auth_file; the client
        // logs in as a user (AUTH alice … for RESP2, HELLO 3 AUTH alice … for RESP3).
        await using var direct = await RedisUnderTest.StartServerAsync(asAlice);
        await using var target = await RedisUnderTest.StartAsync(1, asAlice);
        var mismatches = await CompareAsync(direct.Port, target.Port, protocol, Resp3Corpus.All, asAlice);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ThreeBackends_SingleKeyAndSplitCommandsAreByteIdentical(int protocol)
    {
        using var direct = RedisServer.Start();
        await using var target = await RedisUnderTest.StartAsync(3, withUsers: false);
        var commands = Resp3Corpus.All.Where(c => !c.SameServerOnly).ToList();
        var mismatches = await CompareAsync(direct.Port, target.Port, protocol, commands);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        // The corpus's keys really are spread (murmur): each of them written once more through the
        // pool, every backend holds some.
        var keys = commands.SelectMany(c => c.Args).Where(k => k.StartsWith("r3", StringComparison.Ordinal)).Distinct().ToList();
        using (var c = new RespConnection(target.Port))
        {
            foreach (var key in keys)
            {
                Assert.Equal("+OK\r\n", await c.CallAsync("SET", key, "placed"));
            }
        }
        var counts = await target.KeysPerBackendAsync(keys, withUsers: false);
        Assert.True(counts.All(n => n >= 2), "RESP3 keys per backend: " + string.Join(",", counts));
    }

    [Fact]
    public async Task PipelinedResp3Corpus_SameBytesAsTheServer()
    {
        // HELLO 3 and the whole corpus in one write: the protocol switch applies to the commands
        // right behind it, replies in order.
        using var direct = RedisServer.Start();
        await using var target = await RedisUnderTest.StartAsync(2, withUsers: false);
        var commands = Resp3Corpus.All.Where(c => !c.SameServerOnly).ToList();
        byte[] bytes = [.. RespConnection.Encode("HELLO", "3"), .. commands.SelectMany(c => RespConnection.Encode(c.Args))];
        var expected = await RedisDifferentialTests.SendAllAsync(direct.Port, bytes, commands.Count + 1);
        var actual = await RedisDifferentialTests.SendAllAsync(target.Port, bytes, commands.Count + 1);
        AssertSameHello(expected[0], actual[0], 3);
        for (var i = 1; i <= commands.Count; i++)
        {
            Assert.True(expected[i] == actual[i], $"{commands[i - 1]}: direct {Show(expected[i])} proxy {Show(actual[i])}");
        }
    }

    [Fact]
    public async Task Hello_RepliesHaveRedisServersStructure_InEitherProtocol()
    {
        using var direct = RedisServer.Start();
        await using var target = await RedisUnderTest.StartAsync(3, withUsers: false);
        using var d = new RespConnection(direct.Port);
        using var p = new RespConnection(target.Port);
        // HELLO (no version) answers in the current protocol without changing it; HELLO 3 switches,
        // HELLO 2 switches back; SETNAME is applied.
        string[][] sequence = [["HELLO"], ["HELLO", "3"], ["HELLO"], ["HELLO", "3", "SETNAME", "r3client"], ["CLIENT", "GETNAME"], ["HELLO", "2"], ["GET", "r3missing"], ["HELLO", "3"], ["GET", "r3missing"]];
        var proto = 2;
        foreach (var command in sequence)
        {
            var expected = await d.CallAsync(command);
            var actual = await p.CallAsync(command);
            if (command[0] == "HELLO")
            {
                proto = command.Length > 1 ? int.Parse(command[1], System.Globalization.CultureInfo.InvariantCulture) : proto;
                AssertSameHello(expected, actual, proto);
            }
            else
            {
                Assert.True(expected == actual, $"{string.Join(' ', command)}: direct {Show(expected)} proxy {Show(actual)}");
            }
        }
    }

    [Fact]
    public async Task RepliesThePoolWrites_InTheClientsProtocol()
    {
        // INFO and CLIENT INFO/LIST carry the proxy's own content, so their bytes differ from a
        // server's; their type does not: a verbatim string "txt:" under RESP3, a bulk string under RESP2.
        await using var target = await RedisUnderTest.StartAsync(3, withUsers: false);
        using var c = new RespConnection(target.Port);
        foreach (var proto in new[] { 2, 3, 2 })
        {
            AssertSameHello(null, await c.CallAsync("HELLO", proto.ToString(System.Globalization.CultureInfo.InvariantCulture)), proto);
            foreach (var command in new[] { new[] { "INFO" }, ["INFO", "server"], ["CLIENT", "INFO"], ["CLIENT", "LIST"] })
            {
                var reply = RespTree.Parse(await c.CallAsync(command));
                var what = $"{string.Join(' ', command)} under RESP{proto}";
                Assert.True(reply.Type == (proto == 3 ? '=' : '$'), $"{what}: type {reply.Type}");
                Assert.True(proto == 2 || reply.Text!.StartsWith("txt:", StringComparison.Ordinal), $"{what}: {reply.Text}");
                var text = proto == 3 ? reply.Text![4..] : reply.Text!;
                Assert.Contains(command[0] == "INFO" ? "# Server\r\n" : $"resp={proto}", text);
            }
            var id = RespTree.Parse(await c.CallAsync("CLIENT", "ID"));
            Assert.Equal(':', id.Type);
        }
    }

    /// <summary>
    /// HELLO's reply compared as redis-server writes it: the same keys in the same order, a map
    /// under RESP3 and a flat array under RESP2, proto as asked, mode standalone, role master, the
    /// same server name and version, an integer id, an empty module list. <paramref name="expected"/>
    /// null: only the shape.
    /// </summary>
    internal static void AssertSameHello(string? expected, string actual, int proto)
    {
        var got = RespTree.Parse(actual);
        Assert.True(got.Type == (proto == 3 ? '%' : '*'), $"HELLO under RESP{proto}: {Show(actual)}");
        string[] keys = ["server", "version", "proto", "id", "mode", "role", "modules"];
        Assert.Equal(keys, got.Pairs().Select(p => p.Key));
        Assert.Equal(":" + proto, got["proto"].Type + got["proto"].Text);
        Assert.Equal(':', got["id"].Type);
        Assert.Equal("standalone", got["mode"].Text);
        Assert.Equal("master", got["role"].Text);
        Assert.Equal("redis", got["server"].Text);
        Assert.Equal(("*", 0), (got["modules"].Type.ToString(), got["modules"].Elements.Count));
        if (expected is not null)
        {
            var want = RespTree.Parse(expected);
            Assert.Equal(want.Type, got.Type);
            Assert.Equal(want["version"], got["version"]);
            // Everything but the id, byte for byte.
            Assert.Equal(Without(expected, "id"), Without(actual, "id"));
        }
    }

    private static string Without(string hello, string key)
    {
        var marker = $"${key.Length}\r\n{key}\r\n";
        var at = hello.IndexOf(marker, StringComparison.Ordinal);
        var end = hello.IndexOf("\r\n", at + marker.Length, StringComparison.Ordinal) + 2;
        return hello[..at] + hello[end..];
    }

    private static void Collect(RespTree tree, HashSet<char> types)
    {
        types.Add(tree.Type);
        foreach (var element in tree.Elements)
        {
            Collect(element, types);
        }
    }

    /// <summary>A connection in <paramref name="protocol"/>: HELLO 3 sent (and checked) for 3, nothing for 2 (the default).</summary>
    internal static async Task<RespConnection> OpenAsync(int port, int protocol, bool asAlice = false)
    {
        var c = new RespConnection(port);
        var (user, password) = RedisUnderTest.Alice;
        if (protocol == 3)
        {
            AssertSameHello(null, await c.CallAsync(asAlice ? ["HELLO", "3", "AUTH", user, password] : ["HELLO", "3"]), 3);
        }
        else if (asAlice)
        {
            Assert.Equal("+OK\r\n", await c.CallAsync("AUTH", user, password));
        }
        return c;
    }

    private static async Task<List<string>> CompareAsync(int directPort, int proxyPort, int protocol, IReadOnlyList<RedisCorpus.Command> commands, bool asAlice = false)
    {
        using var direct = await OpenAsync(directPort, protocol, asAlice);
        using var proxied = await OpenAsync(proxyPort, protocol, asAlice);
        return await RedisDifferentialTests.MismatchesAsync(direct, proxied, commands);
    }

    private static string Show(string reply) => RedisDifferentialTests.Show(reply);
}
