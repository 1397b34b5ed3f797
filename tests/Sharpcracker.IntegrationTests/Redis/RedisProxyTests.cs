using System.Text;
using Sharpcracker.IntegrationTests.Differential;

namespace Sharpcracker.IntegrationTests.Redis;

/// <summary>Behaviour of Redis pools against real redis-server instances: split/merge, AUTH/SELECT, local commands, errors.</summary>
public sealed class RedisProxyTests
{
    private static string Bulk(string s) => $"${Encoding.UTF8.GetByteCount(s)}\r\n{s}\r\n";

    [Fact]
    public async Task MultiKeyCommands_AreSplitAcrossServersAndMerged()
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port], "hash: murmur");
        using var c = new RespConnection(proxy.Port);

        var keys = Enumerable.Range(0, 30).Select(i => "mk" + i).ToArray();
        var mset = new List<string> { "MSET" };
        foreach (var k in keys)
        {
            mset.Add(k);
            mset.Add("value-of-" + k);
        }
        Assert.Equal("+OK\r\n", await c.CallAsync([.. mset]));

        // Every backend got some of the keys: the MSET really was split.
        foreach (var b in new[] { b1, b2, b3 })
        {
            using var direct = new RespConnection(b.Port);
            var size = await direct.CallAsync("DBSIZE");
            Assert.True(long.Parse(size[1..^2]) > 0, $"backend {b.Port} got none of the keys");
        }

        // MGET in a scrambled order, with duplicates and misses: one array in key order.
        string[] order = ["mk7", "nokey", "mk0", "mk29", "mk7", "mk13", "nokey2", "mk3"];
        var expected = $"*{order.Length}\r\n" + string.Concat(order.Select(k => k.StartsWith("mk", StringComparison.Ordinal) ? Bulk("value-of-" + k) : "$-1\r\n"));
        Assert.Equal(expected, await c.CallAsync(["MGET", .. order]));

        Assert.Equal(":4\r\n", await c.CallAsync("EXISTS", "mk1", "mk2", "mk1", "nokey", "mk20"));
        Assert.Equal(":3\r\n", await c.CallAsync("TOUCH", "mk1", "mk2", "nokey", "mk20"));
        Assert.Equal(":3\r\n", await c.CallAsync("DEL", "mk1", "mk2", "mk20", "nokey"));
        Assert.Equal(":2\r\n", await c.CallAsync("UNLINK", "mk3", "mk4", "mk1"));
        Assert.Equal(":0\r\n", await c.CallAsync("EXISTS", "mk1", "mk2", "mk3", "mk4", "mk20"));
        Assert.Equal("*3\r\n$-1\r\n" + Bulk("value-of-mk5") + "$-1\r\n", await c.CallAsync("MGET", "mk1", "mk5", "mk2"));
        // MSET with a missing value: redis-server's arity error, nothing written.
        Assert.Equal("-ERR wrong number of arguments for 'mset' command\r\n", await c.CallAsync("MSET", "mk1", "a", "mk2"));
        Assert.Equal(":0\r\n", await c.CallAsync("EXISTS", "mk1"));
        // A type error from one part answers the whole MGET as redis would not: MGET never fails on type, but DEL with a list works.
        Assert.Equal(":1\r\n", await c.CallAsync("LPUSH", "mk1", "x"));
        Assert.Equal("*2\r\n$-1\r\n" + Bulk("value-of-mk6"), await c.CallAsync("MGET", "mk1", "mk6"));
    }

    [Fact]
    public async Task SameServerCommands_ForwardedWhenKeysShareAServer_RefusedOtherwise()
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port], "hash: murmur\nhash_tag: \"{}\"");
        using var c = new RespConnection(proxy.Port);
        Assert.Equal(":2\r\n", await c.CallAsync("SADD", "{t}a", "1", "2"));
        Assert.Equal(":2\r\n", await c.CallAsync("SADD", "{t}b", "2", "3"));
        Assert.Equal("*1\r\n$1\r\n2\r\n", await c.CallAsync("SINTER", "{t}a", "{t}b"));
        Assert.Equal("+OK\r\n", await c.CallAsync("RENAME", "{t}a", "{t}c"));
        Assert.Equal(":1\r\n", await c.CallAsync("EVAL", "return redis.call('exists', KEYS[1], KEYS[2])", "2", "{t}c", "{t}a"));

        // Find two keys on different servers: the proxy refuses instead of answering from one of them.
        var refused = 0;
        for (var i = 0; i < 20; i++)
        {
            var reply = await c.CallAsync("SINTER", "x" + i, "y" + i, "z" + i);
            if (reply.StartsWith('-'))
            {
                Assert.Equal("-ERR keys of 'sinter' map to different servers; in proxy mode all its keys must be on one server (use a hash tag)\r\n", reply);
                refused++;
            }
            else
            {
                Assert.Equal("*0\r\n", reply);
            }
        }
        Assert.True(refused > 0);
        Assert.Equal("+PONG\r\n", await c.CallAsync("PING"));
    }

    [Fact]
    public async Task RedisAuthAndDb_AuthThenSelectOnEveryBackendConnection_ClientsMustAuth()
    {
        using var backend = RedisServer.Start("--requirepass", "s3cret");
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port], "redis_auth: s3cret\nredis_db: 2");
        using var c = new RespConnection(proxy.Port);
        Assert.Equal("-NOAUTH Authentication required.\r\n", await c.CallAsync("GET", "k"));
        Assert.Equal("-NOAUTH Authentication required.\r\n", await c.CallAsync("SUBSCRIBE", "ch"));
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", await c.CallAsync("AUTH", "nope"));
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", await c.CallAsync("AUTH", "someone", "s3cret"));
        Assert.Equal("+OK\r\n", await c.CallAsync("AUTH", "default", "s3cret"));
        Assert.Equal("+OK\r\n", await c.CallAsync("SET", "k", "in-db-2"));
        Assert.Equal("+OK\r\n", await c.CallAsync("SELECT", "2"));
        Assert.Equal("+OK\r\n", await c.CallAsync("SELECT", "0"));
        Assert.StartsWith("-ERR SELECT 5 is not supported in proxy mode", await c.CallAsync("SELECT", "5"));

        // The data is in database 2 of the backend, not database 0.
        using var direct = new RespConnection(backend.Port);
        Assert.Equal("+OK\r\n", await direct.CallAsync("AUTH", "s3cret"));
        Assert.Equal("$-1\r\n", await direct.CallAsync("GET", "k"));
        Assert.Equal("+OK\r\n", await direct.CallAsync("SELECT", "2"));
        Assert.Equal(Bulk("in-db-2"), await direct.CallAsync("GET", "k"));

        // A second client: AUTH with the password-only form.
        using var c2 = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await c2.CallAsync("AUTH", "s3cret"));
        Assert.Equal(Bulk("in-db-2"), await c2.CallAsync("GET", "k"));
        // HELLO 2 AUTH on a third.
        using var c3 = new RespConnection(proxy.Port);
        Assert.StartsWith("*14\r\n", await c3.CallAsync("HELLO", "2", "AUTH", "default", "s3cret"));
        Assert.Equal(Bulk("in-db-2"), await c3.CallAsync("GET", "k"));
    }

    [Fact]
    public async Task WrongBackendPassword_ClearErrorOnTheClient()
    {
        using var backend = RedisServer.Start("--requirepass", "right");
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port], "redis_auth: wrong");
        using var c = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await c.CallAsync("AUTH", "wrong"));
        Assert.Equal("-ERR backend authentication failed: WRONGPASS invalid username-password pair or user is disabled.\r\n", await c.CallAsync("GET", "k"));
        Assert.Equal("-ERR backend authentication failed: WRONGPASS invalid username-password pair or user is disabled.\r\n", await c.CallAsync("SET", "k", "v"));
        Assert.Equal("+PONG\r\n", await c.CallAsync("PING"));
    }

    [Fact]
    public async Task BackendDown_ErrorForTheRequest_ConnectionStaysOpen()
    {
        var deadPort = FreePort.Next();
        await using var proxy = await TestProxy.StartRedisAsync([deadPort]);
        using var c = new RespConnection(proxy.Port);
        Assert.Equal("-ERR Connection refused\r\n", await c.CallAsync("GET", "k"));
        Assert.Equal("+PONG\r\n", await c.CallAsync("PING"));
    }

    [Fact]
    public async Task SilentBackend_TimeoutErrorForTheRequestsInFlight()
    {
        // A server that accepts and never answers: after `timeout` the requests sent to it fail.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var silentPort = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        await using var proxy = await TestProxy.StartRedisAsync([silentPort], "timeout: 300");
        using var c = new RespConnection(proxy.Port);
        await c.SendAsync([.. RespConnection.Encode("GET", "a"), .. RespConnection.Encode("PING"), .. RespConnection.Encode("SET", "b", "1")]);
        Assert.Equal("-ERR Connection timed out\r\n", await c.ReadReplyAsync());
        Assert.Equal("+PONG\r\n", await c.ReadReplyAsync());
        Assert.Equal("-ERR Connection timed out\r\n", await c.ReadReplyAsync());
    }

    [Fact]
    public async Task LocalCommands_AnsweredByTheProxy()
    {
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port], "redis_db: 3");
        using var c = new RespConnection(proxy.Port);
        Assert.Equal("+PONG\r\n", await c.CallAsync("PING"));
        Assert.Equal(Bulk("hi there"), await c.CallAsync("ping", "hi there"));
        Assert.Equal(Bulk("echoed"), await c.CallAsync("ECHO", "echoed"));
        Assert.Equal("-NOPROTO unsupported protocol version\r\n", await c.CallAsync("HELLO", "4"));
        var hello3 = await c.CallAsync("HELLO", "3");
        Assert.StartsWith("%7\r\n$6\r\nserver\r\n", hello3);
        Assert.Contains("$5\r\nproto\r\n:3\r\n", hello3);
        Assert.Equal("_\r\n", await c.CallAsync("CLIENT", "GETNAME")); // RESP3's null
        var hello = await c.CallAsync("HELLO", "2", "SETNAME", "app1");
        Assert.StartsWith("*14\r\n$6\r\nserver\r\n", hello);
        Assert.Contains("$5\r\nproto\r\n:2\r\n", hello);
        Assert.Equal(Bulk("app1"), await c.CallAsync("CLIENT", "GETNAME"));
        Assert.Equal("+OK\r\n", await c.CallAsync("CLIENT", "SETNAME", "app2"));
        Assert.Equal(Bulk("app2"), await c.CallAsync("CLIENT", "GETNAME"));
        Assert.StartsWith(":", await c.CallAsync("CLIENT", "ID"));
        Assert.Contains("name=app2", await c.CallAsync("CLIENT", "INFO"));
        Assert.Equal("-ERR unknown subcommand 'nope'. Try CLIENT HELP.\r\n", await c.CallAsync("CLIENT", "nope"));
        Assert.Equal("-ERR wrong number of arguments for 'client|setname' command\r\n", await c.CallAsync("CLIENT", "SETNAME"));
        Assert.Equal("-ERR unsupported command 'client|kill' in proxy mode\r\n", await c.CallAsync("CLIENT", "KILL", "x"));
        Assert.Equal("+OK\r\n", await c.CallAsync("SELECT", "0"));
        Assert.Equal("+OK\r\n", await c.CallAsync("SELECT", "3"));
        Assert.Equal("-ERR invalid DB index\r\n", await c.CallAsync("SELECT", "x"));
        var info = await c.CallAsync("INFO");
        Assert.Contains("# Server\r\n", info);
        Assert.Contains("process_id:" + Environment.ProcessId + "\r\n", info);
        Assert.Contains("connected_clients:1\r\n", info);
        Assert.Contains("server0:name=r0,addr=127.0.0.1:" + backend.Port, info);
        Assert.StartsWith(":", await c.CallAsync("COMMAND", "COUNT"));
        // QUIT: +OK, then the connection closes.
        await c.SendAsync(RespConnection.Encode("QUIT"));
        Assert.Equal("+OK\r\n", await c.ReadToEndAsync());
    }

    [Theory]
    [InlineData("MONITOR", "monitor")]
    [InlineData("SWAPDB 0 1", "swapdb")]
    [InlineData("SCRIPT DEBUG yes", "script|debug")]
    public async Task UnsupportedCommands_ClearErrorAndConnectionStaysOpen(string command, string name)
    {
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port]);
        using var c = new RespConnection(proxy.Port);
        Assert.Equal($"-ERR unsupported command '{name}' in proxy mode\r\n", await c.CallAsync(command.Split(' ')));
        Assert.Equal("+PONG\r\n", await c.CallAsync("PING"));
    }

    /// <summary>Raw client input, then QUIT: what comes back and whether the connection closes must equal redis-server's.</summary>
    [Theory]
    [InlineData("GET\r\n")]
    [InlineData("get a b\r\n")]
    [InlineData("nosuch arg1 'arg 2'\r\n")]
    [InlineData("set k \"a b\" \r\nget k\r\n")]
    [InlineData("set k 'it\\'s'\r\nget k\r\n")]
    [InlineData("set k \"\\x41\\x42\\n\"\r\nget k\r\n")]
    [InlineData("ping\nping\n")]
    [InlineData("\r\n\r\n   \r\nping\r\n")]
    [InlineData("*0\r\n*-1\r\nping\r\n")]
    [InlineData("*abc\r\nping\r\n")]
    [InlineData("*2\r\nx\r\nping\r\n")]
    [InlineData("*1\r\n$x\r\n")]
    [InlineData("*1\r\n\u00e9\r\nping\r\n")] // found by fuzzing: the byte itself comes back, not its UTF-8
    [InlineData("*1\r\n\rx\nping\r\n")] // CR where '$' belongs: redis-server writes a space
    [InlineData("*1\r\n$-1\r\n")]
    [InlineData("*1\r\n$600000000\r\n")]
    [InlineData("*99999999999\r\n")]
    [InlineData("*01\r\n$4\r\nping\r\n")]
    [InlineData("*1\r\n$+4\r\nping\r\n")]
    [InlineData("set \"a b\r\nping\r\n")]
    [InlineData("set \"a\"b c\r\nping\r\n")]
    [InlineData("set 'a\r\n")]
    [InlineData("*1\r\n$4\r\npingXXping\r\n")]
    [InlineData("ping\r\n*abc\r\n")]
    [InlineData("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\nGET k\r\nexists k k\r\n")]
    public async Task RequestParsing_MatchesRedisServer(string input)
    {
        using var direct = RedisServer.Start();
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port]);
        var expected = await ExchangeAsync(direct.Port, input + "QUIT\r\n");
        var actual = await ExchangeAsync(proxy.Port, input + "QUIT\r\n");
        Assert.Equal(RedisDifferentialTests.Show(expected), RedisDifferentialTests.Show(actual));
    }

    /// <summary>
    /// redis-server finds a count or length line's '\r' with strchr, so a NUL before it hides the
    /// line end: it waits, and past 64 KiB answers "too big … count string" (not "invalid … length").
    /// </summary>
    [Theory]
    [InlineData("*1\0\r\n$4\r\nping\r\n")]
    [InlineData("*1\r\n$4\0\r\nping\r\n")]
    public async Task NulBeforeLineEnd_HidesItLikeRedisServer(string head)
    {
        using var direct = RedisServer.Start();
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port]);
        var input = head + new string('x', 70 * 1024);
        var expected = await ExchangeAsync(direct.Port, input);
        var actual = await ExchangeAsync(proxy.Port, input);
        Assert.StartsWith("-ERR Protocol error: too big", expected);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task TooLongInlineLine_ClosesLikeRedisServer()
    {
        using var direct = RedisServer.Start();
        using var backend = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port]);
        var input = "GET " + new string('a', 70 * 1024);
        var expected = await ExchangeAsync(direct.Port, input);
        var actual = await ExchangeAsync(proxy.Port, input);
        Assert.Equal("-ERR Protocol error: too big inline request\r\n", expected);
        Assert.Equal(expected, actual);
    }

    private static async Task<string> ExchangeAsync(int port, string input)
    {
        using var c = new RespConnection(port);
        await c.SendRawAsync(input);
        return await c.ReadToEndAsync();
    }

    [Fact]
    public async Task LargeValuesAndNestedReplies_PassThroughByteForByte()
    {
        using var direct = RedisServer.Start();
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port]);
        using var d = new RespConnection(direct.Port);
        using var p = new RespConnection(proxy.Port);
        var big = new byte[24 * 1024 * 1024];
        new Random(42).NextBytes(big);
        var set = RespConnection.Encode([Encoding.ASCII.GetBytes("SET"), Encoding.ASCII.GetBytes("big"), big]);
        foreach (var c in new[] { d, p })
        {
            await c.SendAsync(set);
            Assert.Equal("+OK\r\n", await c.ReadReplyAsync());
        }
        var get = RespConnection.Encode("GET", "big");
        await d.SendAsync(get);
        await p.SendAsync(get);
        var fromDirect = await d.ReadReplyBytesAsync();
        var fromProxy = await p.ReadReplyBytesAsync();
        Assert.Equal(big.Length + $"${big.Length}\r\n".Length + 2, fromProxy.Length);
        Assert.True(fromDirect.AsSpan().SequenceEqual(fromProxy));

        // MGET with the big value split across servers, and a nested script reply.
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(await d.CallAsync("SET", "k" + i, "v" + i), await p.CallAsync("SET", "k" + i, "v" + i));
        }
        await d.SendAsync(RespConnection.Encode("MGET", "k0", "big", "k1", "k2", "k3", "k4", "k5", "nokey", "k6", "k7"));
        await p.SendAsync(RespConnection.Encode("MGET", "k0", "big", "k1", "k2", "k3", "k4", "k5", "nokey", "k6", "k7"));
        var mgetDirect = await d.ReadReplyBytesAsync();
        var mgetProxy = await p.ReadReplyBytesAsync();
        Assert.True(mgetDirect.AsSpan().SequenceEqual(mgetProxy));
        string[] script = ["EVAL", "return {1, {2, {3, 'x', {}}}, 'y', redis.status_reply('fine'), redis.error_reply('bad'), false}", "0"];
        Assert.Equal(await d.CallAsync(script), await p.CallAsync(script));
    }
}

/// <summary>Before AUTH, the proxy (redis_auth) answers malformed and unauthenticated input as a redis-server with requirepass does.</summary>
public sealed class RedisAuthParsingTests
{
    [Fact]
    public async Task UnauthenticatedInput_MatchesRedisServerWithRequirepass()
    {
        using var direct = RedisServer.Start("--requirepass", "pw");
        using var backend = RedisServer.Start("--requirepass", "pw");
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port], "redis_auth: pw");
        string[] inputs =
        [
            "HELLO\r\n", "HELLO 2\r\n", "HELLO 2 AUTH default bad\r\n", "foo\r\n", "GET\r\n", "GET k\r\n", "*20\r\n",
            "*1\r\n$20000\r\n", "auth a b c\r\n", "HELLO 4\r\n", "HELLO x\r\n", "HELLO 2 FOO\r\n", "subscribe x\r\n",
            "client setname x\r\n", "AUTH bad\r\nGET k\r\n", "AUTH pw\r\nSET k v\r\nGET k\r\n", "AUTH default pw\r\nGET nokey\r\n",
            "HELLO 2 AUTH default pw\r\nGET nokey\r\n",
        ];
        foreach (var input in inputs)
        {
            var expected = await ExchangeAsync(direct.Port, input + "QUIT\r\n");
            var actual = await ExchangeAsync(proxy.Port, input + "QUIT\r\n");
            if (input.StartsWith("HELLO 2 AUTH default pw", StringComparison.Ordinal))
            {
                // The HELLO map itself names the proxy's connection id; compare what follows it.
                expected = expected[expected.IndexOf("*0\r\n", StringComparison.Ordinal)..];
                actual = actual[actual.IndexOf("*0\r\n", StringComparison.Ordinal)..];
            }
            Assert.True(expected == actual, $"{RedisDifferentialTests.Show(input)}: direct {RedisDifferentialTests.Show(expected)} proxy {RedisDifferentialTests.Show(actual)}");
        }
    }

    private static async Task<string> ExchangeAsync(int port, string input)
    {
        using var c = new RespConnection(port);
        await c.SendRawAsync(input);
        return await c.ReadToEndAsync();
    }
}
