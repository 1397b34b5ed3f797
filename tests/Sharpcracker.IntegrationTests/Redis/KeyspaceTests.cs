using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Logging.Abstractions;
using Sharpcracker.Configuration;
using Sharpcracker.Hosting;

namespace Sharpcracker.IntegrationTests.Redis;

/// <summary>
/// Keyspace commands across servers (docs/redis.md "Keyspace across servers"), differentially:
/// the same sequence sent to one redis-server and through the proxy over three; replies that
/// cannot be byte-identical across servers (SCAN and KEYS order, the cursors) are compared as
/// sets of keys and counts, everything else byte for byte.
/// </summary>
public sealed class KeyspaceTests
{
    /// <summary>Strings, hashes, lists and sets, some with a TTL: 300 keys, the same on both sides.</summary>
    private static IEnumerable<string[]> Writes()
    {
        for (var i = 0; i < 200; i += 20)
        {
            yield return ["MSET", .. Enumerable.Range(i, 20).SelectMany(k => new[] { $"ks:str:{k}", "v" + k })];
        }
        for (var i = 0; i < 40; i++)
        {
            yield return ["HSET", $"ks:hash:{i}", "f", "v"];
        }
        for (var i = 0; i < 30; i++)
        {
            yield return ["RPUSH", $"ks:list:{i}", "a", "b"];
        }
        for (var i = 0; i < 30; i++)
        {
            yield return ["SADD", $"ks:set:{i}", "m"];
            yield return ["EXPIRE", $"ks:set:{i}", "3600"];
        }
    }

    private const int KeyCount = 300;

    /// <summary>Every key a full SCAN returns (each must come once), following the cursor from 0 to 0.</summary>
    internal static async Task<List<string>> ScanAllAsync(RespConnection c, params string[] options)
    {
        var keys = new List<string>();
        var cursor = "0";
        var calls = 0;
        do
        {
            var reply = RespTree.Parse(await c.CallAsync(["SCAN", cursor, .. options]));
            Assert.True(reply.Type == '*' && reply.Elements.Count == 2, $"SCAN {cursor}: {reply}");
            cursor = reply.Elements[0].Text!;
            // A cursor stays a non-negative signed 64-bit number, for clients that parse it so.
            Assert.True(long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out _), cursor);
            keys.AddRange(reply.Elements[1].Elements.Select(e => e.Text!));
            Assert.True(++calls < 100_000, "SCAN never returned cursor 0");
        }
        while (cursor != "0");
        return keys;
    }

    private static List<string> Sorted(IEnumerable<string> keys) => [.. keys.Order(StringComparer.Ordinal)];

    private static async Task<List<string>> KeysAsync(RespConnection c, string pattern)
        => Sorted(RespTree.Parse(await c.CallAsync("KEYS", pattern)).Elements.Select(e => e.Text!));

    /// <summary>The command to both; the replies must be the same bytes.</summary>
    private static async Task<string> SameAsync(RespConnection direct, RespConnection proxied, params string[] args)
    {
        var expected = await direct.CallAsync(args);
        var actual = await proxied.CallAsync(args);
        Assert.True(expected == actual, $"{string.Join(' ', args)}: direct {expected.Trim()} proxy {actual.Trim()}");
        return actual;
    }

    /// <summary>A reply's whole content as one string (type, text, elements), to compare elements whose order differs.</summary>
    private static string Flat(RespTree tree) => $"{tree.Type}{tree.Text}[{string.Join(",", tree.Elements.Select(Flat))}]";

    private static long Integer(string reply) => long.Parse(reply[1..^2], CultureInfo.InvariantCulture);

    [Fact]
    public async Task ThreeServers_KeyspaceSameAsOneServer()
    {
        using var direct = RedisServer.Start();
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        ExternalProcess[] backends = [b1, b2, b3];
        await using var proxy = await TestProxy.StartRedisAsync(backends.Select(b => b.Port), "hash: murmur");
        using var d = new RespConnection(direct.Port);
        using var p = new RespConnection(proxy.Port);

        // Empty: the same bytes.
        await SameAsync(d, p, "DBSIZE");
        // SCAN's first page may be empty with a cursor that moves on to the next server (SCAN
        // promises no number of keys per call): a full scan is compared.
        Assert.Empty(await ScanAllAsync(p));
        await SameAsync(d, p, "KEYS", "*");
        await SameAsync(d, p, "RANDOMKEY");

        foreach (var write in Writes())
        {
            await SameAsync(d, p, write);
        }
        Assert.Equal($":{KeyCount}\r\n", await SameAsync(d, p, "DBSIZE"));
        foreach (var backend in backends)
        {
            using var c = new RespConnection(backend.Port);
            Assert.True(Integer(await c.CallAsync("DBSIZE")) > 50, $"backend {backend.Port} holds few keys");
        }

        // SCAN: every key once, the same set as one server's, with MATCH, COUNT and TYPE passed on.
        string[][] scans = [[], ["COUNT", "7"], ["COUNT", "1000"], ["MATCH", "ks:hash:*"], ["TYPE", "list"], ["MATCH", "ks:str:1*", "COUNT", "50"], ["TYPE", "set", "MATCH", "*:2*"]];
        foreach (var options in scans)
        {
            var expected = Sorted(await ScanAllAsync(d, options));
            var actual = await ScanAllAsync(p, options);
            Assert.True(actual.Count == actual.Distinct().Count(), $"SCAN {string.Join(' ', options)} returned a key twice");
            Assert.Equal(expected, Sorted(actual));
        }
        Assert.Equal(KeyCount, (await ScanAllAsync(p)).Count);

        // KEYS merged; RANDOMKEY one of the keys.
        foreach (var pattern in new[] { "*", "ks:list:*", "ks:str:?", "nomatch*" })
        {
            Assert.Equal(await KeysAsync(d, pattern), await KeysAsync(p, pattern));
        }
        for (var i = 0; i < 10; i++)
        {
            var key = RespTree.Parse(await p.CallAsync("RANDOMKEY")).Text!;
            Assert.Equal(":1\r\n", await d.CallAsync("EXISTS", key));
        }

        // Bad input: redis-server's own errors.
        string[][] errors =
        [
            ["SCAN", "abc"], ["SCAN", " 1"], ["SCAN", "18446744073709551616"], ["SCAN", "0", "COUNT", "0"], ["SCAN", "0", "MATCH"],
            ["SCAN", "0", "TYPE"], ["SCAN"], ["KEYS"], ["KEYS", "a", "b"], ["DBSIZE", "x"], ["RANDOMKEY", "x"], ["FLUSHALL", "bogus"],
            ["FLUSHDB", "ASYNC", "x"], ["TIME", "x"], ["LASTSAVE", "x"], ["SCRIPT"], ["SCRIPT", "nosuch"], ["SCRIPT", "EXISTS"],
            ["SCRIPT", "LOAD"], ["SCRIPT", "KILL"], ["SCRIPT", "FLUSH", "bogus"], ["FUNCTION", "KILL"], ["FUNCTION", "DELETE", "nosuch"],
            ["FUNCTION", "LOAD", "not lua"], ["CONFIG", "nosuch"], ["CONFIG", "SET", "nosuch-param", "1"], ["CONFIG", "GET"],
        ];
        foreach (var error in errors)
        {
            Assert.StartsWith("-", await SameAsync(d, p, error));
        }

        // TIME and LASTSAVE: from one server, in redis-server's shapes.
        Assert.Equal(2, RespTree.Parse(await p.CallAsync("TIME")).Elements.Count);
        Assert.StartsWith(":", await p.CallAsync("LASTSAVE"));

        // INFO: the servers' keyspace summed, and blocked_clients.
        Assert.DoesNotContain("# Keyspace", RespTree.Parse(await p.CallAsync("INFO")).Text!); // bare INFO: the proxy's own
        var info = RespTree.Parse(await p.CallAsync("INFO", "keyspace")).Text!;
        var directInfo = RespTree.Parse(await d.CallAsync("INFO", "keyspace")).Text!;
        var db0 = directInfo.Split("\r\n").Single(l => l.StartsWith("db0:", StringComparison.Ordinal));
        Assert.Contains(db0[..db0.LastIndexOf(",avg_ttl=", StringComparison.Ordinal)] + ",avg_ttl=", info);
        Assert.Contains("\r\n# Keyspace\r\n", info);
        Assert.Contains("\r\nblocked_clients:0\r\n", info);

        // FLUSHDB / FLUSHALL with their modes: every server emptied.
        await SameAsync(d, p, "FLUSHDB", "SYNC");
        Assert.Equal(":0\r\n", await SameAsync(d, p, "DBSIZE"));
        await SameAsync(d, p, "MSET", "a", "1", "b", "2", "c", "3", "d", "4");
        await SameAsync(d, p, "FLUSHALL", "ASYNC");
        Assert.Equal(":0\r\n", await SameAsync(d, p, "DBSIZE"));
        await SameAsync(d, p, "MSET", "a", "1", "b", "2", "c", "3", "d", "4");
        await SameAsync(d, p, "FLUSHALL");
        foreach (var backend in backends)
        {
            using var c = new RespConnection(backend.Port);
            Assert.Equal(":0\r\n", await c.CallAsync("DBSIZE"));
        }
        await SameAsync(d, p, "RANDOMKEY");
        Assert.Empty(await ScanAllAsync(p));
    }

    [Fact]
    public async Task ThreeServers_ScriptsFunctionsAndConfigOnEveryServer()
    {
        using var direct = RedisServer.Start();
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        ExternalProcess[] backends = [b1, b2, b3];
        await using var proxy = await TestProxy.StartRedisAsync(backends.Select(b => b.Port), "hash: murmur");
        using var d = new RespConnection(direct.Port);
        using var p = new RespConnection(proxy.Port);

        // SCRIPT LOAD on every server: EVALSHA then works for a key on any of them.
        var sha = RespTree.Parse(await SameAsync(d, p, "SCRIPT", "LOAD", "return redis.call('GET', KEYS[1])")).Text!;
        await SameAsync(d, p, "SCRIPT", "EXISTS", sha, "0000000000000000000000000000000000000000");
        for (var i = 0; i < 12; i++)
        {
            await SameAsync(d, p, "SET", "sk:" + i, "v" + i);
            await SameAsync(d, p, "EVALSHA", sha, "1", "sk:" + i);
        }
        // A script on one server only: EXISTS is 1 only where every server has it.
        using (var only = new RespConnection(b2.Port))
        {
            var partial = RespTree.Parse(await only.CallAsync("SCRIPT", "LOAD", "return 2")).Text!;
            Assert.Equal("*2\r\n:1\r\n:0\r\n", await p.CallAsync("SCRIPT", "EXISTS", sha, partial));
        }
        await SameAsync(d, p, "SCRIPT", "FLUSH", "ASYNC");
        await SameAsync(d, p, "SCRIPT", "EXISTS", sha);
        foreach (var backend in backends)
        {
            using var c = new RespConnection(backend.Port);
            Assert.Equal("*1\r\n:0\r\n", await c.CallAsync("SCRIPT", "EXISTS", sha));
        }

        // FUNCTION LOAD / LIST / DELETE / FLUSH on every master, one reply.
        const string library = "#!lua name=kslib\nredis.register_function('ksget', function(keys) return redis.call('GET', keys[1]) end)";
        await SameAsync(d, p, "FUNCTION", "LOAD", library);
        await SameAsync(d, p, "FUNCTION", "LOAD", library); // already exists: the same error
        await SameAsync(d, p, "FUNCTION", "LIST");
        for (var i = 0; i < 12; i++)
        {
            await SameAsync(d, p, "FCALL", "ksget", "1", "sk:" + i);
        }
        // Several libraries: each server lists them in its own hash order; the proxy's list has them all.
        for (var i = 0; i < 6; i++)
        {
            await SameAsync(d, p, "FUNCTION", "LOAD", $"#!lua name=more{i}\nredis.register_function('more{i}', function() return {i} end)");
        }
        Assert.Equal(
            RespTree.Parse(await d.CallAsync("FUNCTION", "LIST")).Elements.Select(Flat).Order(StringComparer.Ordinal),
            RespTree.Parse(await p.CallAsync("FUNCTION", "LIST")).Elements.Select(Flat).Order(StringComparer.Ordinal));
        for (var i = 0; i < 6; i++)
        {
            await SameAsync(d, p, "FUNCTION", "DELETE", $"more{i}");
        }
        await SameAsync(d, p, "FUNCTION", "DELETE", "kslib");
        await SameAsync(d, p, "FUNCTION", "LIST");
        await SameAsync(d, p, "FUNCTION", "LOAD", library);
        await SameAsync(d, p, "FUNCTION", "FLUSH");
        foreach (var backend in backends)
        {
            using var c = new RespConnection(backend.Port);
            Assert.Equal("*0\r\n", await c.CallAsync("FUNCTION", "LIST"));
        }
        // A library on one server only: LIST differs between servers, and says so.
        using (var only = new RespConnection(b3.Port))
        {
            Assert.StartsWith("$", await only.CallAsync("FUNCTION", "LOAD", library));
            Assert.StartsWith("-ERR the servers' replies differ", await p.CallAsync("FUNCTION", "LIST"));
            Assert.Equal("+OK\r\n", await only.CallAsync("FUNCTION", "FLUSH"));
        }

        // CONFIG SET / RESETSTAT on every server, CONFIG GET from one.
        await SameAsync(d, p, "CONFIG", "SET", "maxmemory-samples", "9", "lazyfree-lazy-user-del", "yes");
        await SameAsync(d, p, "CONFIG", "GET", "maxmemory-samples");
        foreach (var backend in backends)
        {
            using var c = new RespConnection(backend.Port);
            Assert.Equal("*2\r\n$17\r\nmaxmemory-samples\r\n$1\r\n9\r\n", await c.CallAsync("CONFIG", "GET", "maxmemory-samples"));
        }
        await SameAsync(d, p, "CONFIG", "RESETSTAT");
        await SameAsync(d, p, "SCRIPT", "KILL");
        await SameAsync(d, p, "FUNCTION", "KILL");
        Assert.Equal("-ERR unsupported command 'script|debug' in proxy mode\r\n", await p.CallAsync("SCRIPT", "DEBUG", "yes"));
    }

    [Fact]
    public async Task Resp3_ThreeServers_SameRepliesAsOneServer()
    {
        using var direct = RedisServer.Start();
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port], "hash: murmur");
        using var d = new RespConnection(direct.Port);
        using var p = new RespConnection(proxy.Port);
        Assert.StartsWith("%", await d.CallAsync("HELLO", "3"));
        Assert.StartsWith("%", await p.CallAsync("HELLO", "3"));
        Assert.Equal("_\r\n", await SameAsync(d, p, "RANDOMKEY")); // RESP3's null from every empty server
        foreach (var write in Writes())
        {
            await SameAsync(d, p, write);
        }
        await SameAsync(d, p, "DBSIZE");
        Assert.Equal(await KeysAsync(d, "ks:hash:*"), await KeysAsync(p, "ks:hash:*"));
        Assert.Equal(Sorted(await ScanAllAsync(d, "TYPE", "list")), Sorted(await ScanAllAsync(p, "TYPE", "list")));
        var sha = RespTree.Parse(await SameAsync(d, p, "SCRIPT", "LOAD", "return 1")).Text!;
        await SameAsync(d, p, "SCRIPT", "EXISTS", sha, "0000000000000000000000000000000000000000");
        await SameAsync(d, p, "CONFIG", "GET", "maxmemory-samples");
        await SameAsync(d, p, "FUNCTION", "LIST");
        await SameAsync(d, p, "SCAN", "x");
        await SameAsync(d, p, "FLUSHALL");
        await SameAsync(d, p, "DBSIZE");
    }

    [Fact]
    public async Task Pipelined_FanoutsInterleavedWithKeyedCommands_RepliesInOrder()
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port], "hash: murmur");
        using var p = new RespConnection(proxy.Port);
        string[][] commands =
        [
            ["SET", "pa", "1"], ["SET", "pb", "2"], ["SET", "pc", "3"], ["DBSIZE"], ["GET", "pa"], ["KEYS", "p?"], ["SCAN", "zz"],
            ["MGET", "pa", "pb", "pc"], ["FLUSHDB"], ["GET", "pb"], ["DBSIZE"], ["SET", "pd", "4"], ["DBSIZE"], ["RANDOMKEY"],
        ];
        await p.SendAsync([.. commands.SelectMany(c => RespConnection.Encode(c))]);
        var replies = new List<string>();
        foreach (var _ in commands)
        {
            replies.Add(await p.ReadReplyAsync());
        }
        Assert.Equal(":3\r\n", replies[3]);
        Assert.Equal("$1\r\n1\r\n", replies[4]);
        Assert.Equal(["pa", "pb", "pc"], Sorted(RespTree.Parse(replies[5]).Elements.Select(e => e.Text!)));
        Assert.Equal("-ERR invalid cursor\r\n", replies[6]);
        Assert.Equal("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", replies[7]);
        Assert.Equal("+OK\r\n", replies[8]);
        Assert.Equal("$-1\r\n", replies[9]);
        Assert.Equal(":0\r\n", replies[10]);
        Assert.Equal(":1\r\n", replies[12]);
        Assert.Equal("$2\r\npd\r\n", replies[13]);
    }

    [Fact]
    public async Task OneServer_ScanCursorsAreTheServersOwn()
    {
        using var backend = RedisServer.Start("--enable-debug-command", "local");
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port]);
        using var b = new RespConnection(backend.Port);
        using var p = new RespConnection(proxy.Port);
        foreach (var write in Writes())
        {
            await p.CallAsync(write);
        }
        // A table being resized answers a cursor differently from one moment to the next (the
        // server's cron moves buckets): compare once the server's rehashing is over.
        await Poll.UntilAsync(async () => (await b.CallAsync("DEBUG", "HTSTATS", "0")).Contains("rehashing", StringComparison.Ordinal) ? null : "", TimeSpan.FromSeconds(10), "the keyspace table's rehash");
        // Through the proxy and straight to the server, the same server state: the same bytes, step by step.
        var cursor = "0";
        var steps = 0;
        do
        {
            var direct = await b.CallAsync("SCAN", cursor, "COUNT", "9");
            Assert.Equal(direct, await p.CallAsync("SCAN", cursor, "COUNT", "9"));
            cursor = RespTree.Parse(direct).Elements[0].Text!;
            steps++;
        }
        while (cursor != "0");
        Assert.True(steps > 5);
        Assert.Equal(await b.CallAsync("KEYS", "*"), await p.CallAsync("KEYS", "*"));
        Assert.Equal(await b.CallAsync("DBSIZE"), await p.CallAsync("DBSIZE"));
        // Any cursor redis-server accepts below the sign bit means the same through the proxy.
        Assert.Equal(await b.CallAsync("SCAN", "12345"), await p.CallAsync("SCAN", "12345"));
        Assert.Equal(await b.CallAsync("SCAN", ""), await p.CallAsync("SCAN", ""));
        // One with the sign bit set: redis-server's error (redis-server itself would take it).
        Assert.Equal("-ERR invalid cursor\r\n", await p.CallAsync("SCAN", "-1"));
    }

    [Fact]
    public async Task ThreeServers_CursorOfAServerPastTheLast_InvalidCursor()
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port]);
        using var p = new RespConnection(proxy.Port);
        // Three servers: two index bits under the sign bit (62 and 61). Index 3 does not exist.
        var third = (BigInteger.One << 62).ToString(CultureInfo.InvariantCulture);
        var fourth = (BigInteger.One << 62 | BigInteger.One << 61).ToString(CultureInfo.InvariantCulture);
        Assert.Equal("*2\r\n$1\r\n0\r\n*0\r\n", await p.CallAsync("SCAN", third)); // the last server, empty: the end
        Assert.Equal("-ERR invalid cursor\r\n", await p.CallAsync("SCAN", fourth));
        Assert.Equal("+PONG\r\n", await p.CallAsync("PING"));
    }

    [Fact]
    public async Task InfoKeyspace_SummedOverServers_AServerDown_TheOthersStillCount()
    {
        using var b1 = RedisServer.Start();
        var b2 = RedisServer.Start();
        try
        {
            await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port], "hash: murmur");
            using var p = new RespConnection(proxy.Port);
            for (var i = 0; i < 40; i++)
            {
                Assert.Equal("+OK\r\n", await p.CallAsync("SET", "ik:" + i, "v"));
            }
            Assert.Contains("\r\ndb0:keys=40,expires=0,avg_ttl=0\r\n", RespTree.Parse(await p.CallAsync("INFO", "server", "keyspace")).Text!);
            // RESP3: a verbatim string, as redis-server sends INFO.
            using (var r3 = new RespConnection(proxy.Port))
            {
                Assert.StartsWith("%", await r3.CallAsync("HELLO", "3"));
                var verbatim = await r3.CallAsync("INFO", "keyspace");
                Assert.StartsWith("=", verbatim);
                Assert.Contains("\r\ndb0:keys=40,", verbatim);
            }
            long onFirst;
            using (var c1 = new RespConnection(b1.Port))
            {
                onFirst = Integer(await c1.CallAsync("DBSIZE"));
            }
            Assert.InRange(onFirst, 1, 39);
            b2.Dispose();
            // INFO still answers, with what the live server holds.
            var info = RespTree.Parse(await p.CallAsync("INFO", "keyspace")).Text!;
            Assert.Contains($"\r\ndb0:keys={onFirst},", info);
            Assert.Contains("\r\nblocked_clients:0\r\n", info);
        }
        finally
        {
            b2.Dispose();
        }
    }

    [Fact]
    public async Task RefusedCommands_ClearError_ReloadApplies()
    {
        using var backend = RedisServer.Start();
        var port = FreePort.Next();
        var path = Path.Combine(Path.GetTempPath(), $"refuse-{Guid.NewGuid():N}.yml");
        string Yaml(string extra) => TestProxy.OnePool("pool", port, [backend.Port], "redis: true\n" + extra, "r");
        File.WriteAllText(path, Yaml("redis_refuse_commands: [flushall, KEYS, config|set]"));
        try
        {
            await using var proxy = await TestProxy.StartAsync(File.ReadAllText(path), port);
            await using var reloader = new ConfigReloader(proxy.Host, () => ConfigLoader.LoadFile(path), [path], NullLogger.Instance);
            using var c = new RespConnection(port);
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "k", "v"));
            Assert.Equal("-ERR command 'flushall' is refused by this proxy's configuration (pool 'pool', redis_refuse_commands)\r\n", await c.CallAsync("FLUSHALL"));
            Assert.Equal("-ERR command 'keys' is refused by this proxy's configuration (pool 'pool', redis_refuse_commands)\r\n", await c.CallAsync("keys", "*"));
            Assert.Equal("-ERR command 'config|set' is refused by this proxy's configuration (pool 'pool', redis_refuse_commands)\r\n", await c.CallAsync("CONFIG", "SET", "maxmemory-samples", "6"));
            Assert.StartsWith("*2\r\n", await c.CallAsync("CONFIG", "GET", "maxmemory-samples"));
            Assert.Equal(":1\r\n", await c.CallAsync("DBSIZE")); // the refused FLUSHALL did nothing
            // The arity is still checked first, as redis-server checks it before anything else.
            Assert.Equal("-ERR wrong number of arguments for 'keys' command\r\n", await c.CallAsync("KEYS"));

            // A reload without the key: the same connection may run them.
            File.WriteAllText(path, Yaml(""));
            Assert.True(await reloader.ReloadAsync("test"));
            Assert.Equal("*1\r\n$1\r\nk\r\n", await c.CallAsync("KEYS", "*"));
            Assert.Equal("+OK\r\n", await c.CallAsync("FLUSHALL"));
            Assert.Equal(":0\r\n", await c.CallAsync("DBSIZE"));

            // A reload naming an unknown command is refused whole; the running config stays.
            File.WriteAllText(path, Yaml("redis_refuse_commands: [flushal]"));
            Assert.False(await reloader.ReloadAsync("test"));
            Assert.Equal("+OK\r\n", await c.CallAsync("FLUSHALL"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
