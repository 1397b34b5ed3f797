using System.Text;

namespace Sharpcracker.IntegrationTests.Redis;

/// <summary>
/// A client's protocol through a Redis pool: HELLO 3 switches it to RESP3 (its commands then
/// travel on RESP3 server connections and replies pass byte for byte), HELLO 2 back, in order
/// inside one pipeline; what the proxy writes itself in RESP3; HELLO 3 refused with -NOPROTO by a
/// server without HELLO; CLIENT as clients use it.
/// </summary>
public sealed class Resp3SessionTests
{
    private static string Bulk(string s) => $"${Encoding.UTF8.GetByteCount(s)}\r\n{s}\r\n";

    [Fact]
    public async Task HelloSwitchesInsideAPipeline_EveryReplyInTheProtocolOfItsTime_AndOrderKept()
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port]);
        using var c = new RespConnection(proxy.Port);
        string[][] pipeline =
        [
            ["HSET", "h", "f", "v"], ["HGETALL", "h"], ["SET", "x", "1"],
            ["HELLO", "3"], ["HGETALL", "h"], ["GET", "x"], ["INCR", "x"], ["GET", "missing"], ["MGET", "x", "missing", "h2", "y"],
            ["HELLO", "2"], ["HGETALL", "h"], ["GET", "x"], ["GET", "missing"],
        ];
        await c.SendAsync([.. pipeline.SelectMany(RespConnection.Encode)]);
        var replies = new List<string>();
        foreach (var _ in pipeline)
        {
            replies.Add(await c.ReadReplyAsync());
        }
        Assert.Equal(":1\r\n", replies[0]);
        Assert.Equal("*2\r\n$1\r\nf\r\n$1\r\nv\r\n", replies[1]);
        Assert.Equal("+OK\r\n", replies[2]);
        Assert.StartsWith("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n", replies[3]);
        Assert.Equal("%1\r\n$1\r\nf\r\n$1\r\nv\r\n", replies[4]);
        Assert.Equal(Bulk("1"), replies[5]); // the SET sent on a RESP2 connection before the switch is seen
        Assert.Equal(":2\r\n", replies[6]);
        Assert.Equal("_\r\n", replies[7]);
        Assert.Equal("*4\r\n$1\r\n2\r\n_\r\n_\r\n_\r\n", replies[8]); // split over servers, merged with RESP3 nulls
        Assert.StartsWith("*14\r\n", replies[9]);
        Assert.Contains("$5\r\nproto\r\n:2\r\n", replies[9]);
        Assert.Equal("*2\r\n$1\r\nf\r\n$1\r\nv\r\n", replies[10]);
        Assert.Equal(Bulk("2"), replies[11]); // the INCR sent on a RESP3 connection is seen
        Assert.Equal("$-1\r\n", replies[12]);
        // RESP3 clients have connections of their own: the server of x has a RESP2 and a RESP3 one from the proxy.
        var lists = new List<string>();
        foreach (var server in new[] { b1, b2, b3 })
        {
            using var direct = new RespConnection(server.Port);
            lists.Add(await direct.CallAsync("CLIENT", "LIST"));
        }
        Assert.Contains(lists, l => l.Contains("resp=3") && l.Contains("resp=2"));
    }

    [Fact]
    public async Task WhatTheProxyWritesItself_IsRedisServersRESP3()
    {
        using var server = RedisServer.Start();
        using var behind = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([behind.Port]);
        using var direct = new RespConnection(server.Port);
        using var proxied = new RespConnection(proxy.Port);
        foreach (var c in new[] { direct, proxied })
        {
            Assert.StartsWith("%7\r\n", await c.CallAsync("HELLO", "3"));
        }
        string[][] same =
        [
            ["PING"], ["PING", "hi"], ["ECHO", "e"], ["CLIENT", "GETNAME"], ["CLIENT", "SETNAME", "n1"], ["CLIENT", "GETNAME"],
            ["DEL", "a", "b"], ["EXISTS", "a"], ["MSET", "a", "1", "b", "2"], ["MGET", "a", "zz", "b"], ["TOUCH", "a", "b", "zz"],
            ["UNLINK", "a", "zz"], ["HELLO", "4"], ["HELLO", "x"], ["HELLO", "3", "FOO"], ["HELLO", "3", "SETNAME", "a b"],
            ["SELECT", "0"], ["CLIENT", "NO-EVICT", "on"], ["CLIENT", "NO-EVICT", "maybe"], ["NOSUCH", "arg"], ["GET"],
        ];
        foreach (var command in same)
        {
            Assert.Equal(await direct.CallAsync(command), await proxied.CallAsync(command));
        }
        // Text for people is a verbatim string in RESP3, as redis-server writes INFO and CLIENT INFO.
        Assert.StartsWith("=", await direct.CallAsync("CLIENT", "INFO"));
        var info = await proxied.CallAsync("CLIENT", "INFO");
        Assert.Matches(@"^=\d+\r\ntxt:id=\d+ addr=127\.0\.0\.1:\d+ ", info);
        Assert.Contains(" name=n1 ", info);
        Assert.Contains(" resp=3 ", info);
        Assert.Contains(" flags=e ", info);
        var serverInfo = await proxied.CallAsync("INFO");
        Assert.StartsWith("=", serverInfo);
        Assert.Contains("txt:# Server\r\n", serverInfo);
    }

    [Fact]
    public async Task ClientCommands_SetInfoListAndWhatSharedConnectionsCannotDo()
    {
        using var server = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([server.Port]);
        using var a = new RespConnection(proxy.Port);
        using var b = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await a.CallAsync("CLIENT", "SETINFO", "LIB-NAME", "node-redis"));
        Assert.Equal("+OK\r\n", await a.CallAsync("CLIENT", "SETINFO", "lib-ver", "6.3.1"));
        Assert.Equal("-ERR Unrecognized option 'lib-color'\r\n", await a.CallAsync("CLIENT", "SETINFO", "lib-color", "x"));
        Assert.Equal("-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n", await a.CallAsync("CLIENT", "SETINFO", "LIB-NAME", "a b"));
        Assert.Equal("+OK\r\n", await b.CallAsync("CLIENT", "SETNAME", "second"));
        Assert.Equal("$-1\r\n", await b.CallAsync("GET", "k"));
        var list = await a.CallAsync("CLIENT", "LIST");
        var lines = list.Split('\n').Where(l => l.Contains("id=", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.Contains(" lib-name=node-redis lib-ver=6.3.1 ") && l.Contains(" cmd=client|list "));
        Assert.Contains(lines, l => l.Contains(" name=second ") && l.Contains(" cmd=get "));

        Assert.Equal("+OK\r\n", await a.CallAsync("CLIENT", "NO-TOUCH", "off"));
        Assert.StartsWith("-ERR CLIENT NO-TOUCH on is not supported in proxy mode", await a.CallAsync("CLIENT", "NO-TOUCH", "on"));
        Assert.Equal("+OK\r\n", await a.CallAsync("CLIENT", "TRACKING", "off"));
        Assert.StartsWith("-ERR CLIENT TRACKING is not supported in proxy mode", await a.CallAsync("CLIENT", "TRACKING", "on"));
        Assert.Equal(":-1\r\n", await a.CallAsync("CLIENT", "GETREDIR"));
        // The server's own connections were never asked to change.
        using var direct = new RespConnection(server.Port);
        Assert.DoesNotContain("flags=T", await direct.CallAsync("CLIENT", "LIST"));
    }

    /// <summary>A server without HELLO (Redis before 6; no real one is installed, so a fake shows it): HELLO 3 gets -NOPROTO, and the client stays in RESP2.</summary>
    [Fact]
    public async Task ServerWithoutHello_Hello3GetsNoProto_ClientFallsBackToResp2()
    {
        using var old = new FakeBackend((_, line) => line switch
        {
            _ when line.StartsWith("HELLO", StringComparison.OrdinalIgnoreCase) => "-ERR unknown command 'HELLO'\r\n",
            _ when line.StartsWith("GET", StringComparison.OrdinalIgnoreCase) => "$2\r\nv5\r\n",
            _ => null,
        });
        await using var proxy = await TestProxy.StartRedisAsync([old.Port]);
        using var c = new RespConnection(proxy.Port);
        Assert.Equal("-NOPROTO unsupported protocol version\r\n", await c.CallAsync("HELLO", "3"));
        Assert.Equal("-ERR unknown command 'HELLO'\r\n", await c.CallAsync("HELLO", "2"));
        Assert.Equal("$2\r\nv5\r\n", await c.CallAsync("GET", "k"));
        // The server saw the two bare HELLOs (no protover argument after them) and never a RESP3 handshake's HELLO 3.
        var lines = old.Received.ToArray();
        var hellos = Enumerable.Range(0, lines.Length).Where(i => lines[i].Equals("HELLO", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal(2, hellos.Count);
        Assert.All(hellos, i => Assert.False(i + 1 < lines.Length && lines[i + 1].StartsWith('$'), $"HELLO with an argument: {lines[i + 1]}"));
    }

    [Fact]
    public async Task HelloWithNoServerReachable_SaysWhy_AndTheClientStaysResp2()
    {
        var deadPort = FreePort.Next();
        await using var proxy = await TestProxy.StartRedisAsync([deadPort]);
        using var c = new RespConnection(proxy.Port);
        var reply = await c.CallAsync("HELLO", "3");
        Assert.StartsWith("-ERR ", reply);
        Assert.Contains("refused", reply, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("$-1\r\n", await c.CallAsync("CLIENT", "GETNAME"));
    }

    /// <summary>Any other refusal of the bare HELLO is the server's own answer, passed on (here: the pool lacks the server's password).</summary>
    [Fact]
    public async Task HelloRefusedForAnotherReason_PassesTheServersError()
    {
        using var server = RedisServer.Start("--requirepass", "only-the-server-knows");
        await using var proxy = await TestProxy.StartRedisAsync([server.Port]);
        using var c = new RespConnection(proxy.Port);
        Assert.StartsWith("-NOAUTH HELLO must be called with the client already authenticated", await c.CallAsync("HELLO", "3"));
        Assert.Equal("-NOAUTH Authentication required.\r\n", await c.CallAsync("GET", "k")); // forwarded: still RESP2, the server's refusal
    }
}
