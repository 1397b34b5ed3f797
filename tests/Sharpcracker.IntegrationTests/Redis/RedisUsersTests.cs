using Sharpcracker.Configuration;

namespace Sharpcracker.IntegrationTests.Redis;

/// <summary>
/// auth_file users on a Redis pool: AUTH user pass and HELLO AUTH checked against the file, the
/// user default with redis_auth, @readonly users refused writes with redis-server 7's NOPERM (a
/// real redis-server with the same ACL answers the same bytes), and a reload re-reading the file.
/// </summary>
public sealed class RedisUsersTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sc-redis-users-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string UsersFile(string text)
    {
        var path = Path.Combine(_dir, "users");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task AuthWithUsername_HelloAuth_DefaultUser_AndWrongPasswords()
    {
        // redis_auth is also what the proxy sends to its servers (twemproxy's meaning).
        using var backend = RedisServer.Start("--requirepass", "default-pw");
        var users = UsersFile("# app users\nalice:alice-pw\nbob:bob:pw\n");
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port], $"redis_auth: default-pw\nauth_file: {users}");

        using var c = new RespConnection(proxy.Port);
        Assert.Equal("-NOAUTH Authentication required.\r\n", await c.CallAsync("GET", "k"));
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", await c.CallAsync("AUTH", "alice", "nope"));
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", await c.CallAsync("AUTH", "mallory", "alice-pw"));
        Assert.Equal("-NOAUTH Authentication required.\r\n", await c.CallAsync("GET", "k"));
        Assert.Equal("+OK\r\n", await c.CallAsync("AUTH", "bob", "bob:pw"));
        Assert.Equal("+OK\r\n", await c.CallAsync("SET", "k", "v"));
        Assert.Contains("user=bob ", await c.CallAsync("CLIENT", "INFO"));
        // A failed AUTH leaves an authenticated client authenticated, as redis-server does.
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", await c.CallAsync("AUTH", "alice", "x"));
        Assert.Equal("$1\r\nv\r\n", await c.CallAsync("GET", "k"));

        using var d = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await d.CallAsync("AUTH", "default-pw"));
        Assert.Equal("+OK\r\n", await d.CallAsync("AUTH", "default", "default-pw"));
        Assert.Contains("user=default ", await d.CallAsync("CLIENT", "INFO"));

        using var h = new RespConnection(proxy.Port);
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", await h.CallAsync("HELLO", "3", "AUTH", "alice", "bad"));
        Assert.StartsWith("-NOAUTH HELLO must be called with the client already authenticated", await h.CallAsync("HELLO", "3"));
        var hello = await h.CallAsync("HELLO", "3", "AUTH", "alice", "alice-pw", "SETNAME", "worker-1");
        Assert.StartsWith("%7\r\n", hello);
        Assert.Contains("$5\r\nproto\r\n:3\r\n", hello);
        Assert.Equal("$1\r\nv\r\n", await h.CallAsync("GET", "k"));
        Assert.Equal("$8\r\nworker-1\r\n", await h.CallAsync("CLIENT", "GETNAME"));
    }

    [Fact]
    public async Task UsersWithoutRedisAuth_DefaultNeedsItsOwnEntry()
    {
        using var backend = RedisServer.Start();
        var users = UsersFile("alice:pw\n");
        await using var proxy = await TestProxy.StartRedisAsync([backend.Port], $"auth_file: {users}");
        using var c = new RespConnection(proxy.Port);
        Assert.Equal("-NOAUTH Authentication required.\r\n", await c.CallAsync("PING"));
        // No redis_auth and no "default" entry: the default user has no password that could match.
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", await c.CallAsync("AUTH", "pw"));
        Assert.Equal("+OK\r\n", await c.CallAsync("AUTH", "alice", "pw"));
        Assert.Equal("+PONG\r\n", await c.CallAsync("PING"));

        using var withDefault = new RespConnection(proxy.Port);
        File.WriteAllText(users, "alice:pw\ndefault:dflt\n");
        var yaml = TestProxy.OnePool("pool", proxy.Port, [backend.Port], $"redis: true\nauth_file: {users}", "r");
        var changes = await proxy.Host.ApplyAsync(ConfigLoader.Parse(yaml, "test.yml"));
        Assert.NotEmpty(changes);
        Assert.DoesNotContain(changes, change => change.Contains("dflt", StringComparison.Ordinal));
        Assert.Equal("+OK\r\n", await withDefault.CallAsync("AUTH", "dflt"));
        Assert.Equal("+PONG\r\n", await withDefault.CallAsync("PING"));
    }

    /// <summary>
    /// A @readonly user against a redis-server user with +@read and the connection commands: reads
    /// served, writes (single, split, scripted, subcommands) refused with the same NOPERM bytes.
    /// </summary>
    [Fact]
    public async Task ReadOnlyUser_RefusedWritesAsRedisServerRefusesThem()
    {
        using var server = RedisServer.Start();
        using (var admin = new RespConnection(server.Port))
        {
            Assert.Equal("+OK\r\n", await admin.CallAsync("ACL", "SETUSER", "reader", "on", ">rpw", "~*", "+@read", "+@connection"));
            Assert.Equal("+OK\r\n", await admin.CallAsync("MSET", "a", "1", "b", "2"));
        }
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        var users = UsersFile("writer:wpw\nreader:rpw\n@readonly reader\n");
        await using var proxy = await TestProxy.StartRedisAsync([b2.Port, b3.Port], $"auth_file: {users}");
        using (var writer = new RespConnection(proxy.Port))
        {
            Assert.Equal("+OK\r\n", await writer.CallAsync("AUTH", "writer", "wpw"));
            Assert.Equal("+OK\r\n", await writer.CallAsync("MSET", "a", "1", "b", "2"));
        }
        using var direct = new RespConnection(server.Port);
        using var proxied = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await direct.CallAsync("AUTH", "reader", "rpw"));
        Assert.Equal("+OK\r\n", await proxied.CallAsync("AUTH", "reader", "rpw"));
        string[][] commands =
        [
            ["GET", "a"], ["MGET", "a", "b", "c"], ["EXISTS", "a", "b"], ["STRLEN", "a"],
            ["SET", "a", "9"], ["MSET", "a", "9", "b", "9"], ["DEL", "a", "b"], ["INCR", "a"], ["EXPIRE", "a", "10"],
            ["EVAL", "return 1", "0"], ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"], ["OBJECT", "ENCODING", "a"],
            ["GET", "a"], ["PING"],
        ];
        foreach (var command in commands)
        {
            Assert.Equal(await direct.CallAsync(command), await proxied.CallAsync(command));
        }
    }
}
