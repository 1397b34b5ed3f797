using System.Globalization;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>
/// The Redis endpoint a client or differential test talks to: the proxy (in the test process) with
/// one Redis pool over real redis-servers; with users, the pool has <c>redis_auth</c> (the user
/// <c>default</c>, also every backend's <c>requirepass</c>) and an <c>auth_file</c> with
/// <see cref="Alice"/> and the read-only <see cref="Reader"/>.
/// <para>
/// Test-only switch: with <c>SHARPCRACKER_TEST_REDIS_DIRECT=1</c> in the environment the endpoint is
/// one plain redis-server instead, configured the same way (<c>requirepass</c>, and
/// <c>ACL SETUSER</c> for the users: the reader gets <c>+@read +@connection</c>). The tests are
/// written to pass against it too; that is how they were checked before the proxy had the features
/// they test, and how to tell whether a failure is the proxy's or the test's.
/// </para>
/// </summary>
internal sealed class RedisUnderTest : IAsyncDisposable
{
    /// <summary>The pool's redis_auth: the password of the user <c>default</c>.</summary>
    public const string DefaultPassword = "pool-secret";

    public static readonly (string User, string Password) Alice = ("alice", "alice-pw");
    public static readonly (string User, string Password) Reader = ("reader", "reader-pw");

    private readonly TestProxy? _proxy;
    private readonly DirectoryInfo? _directory;

    private RedisUnderTest(int port, IReadOnlyList<ExternalProcess> backends, TestProxy? proxy, DirectoryInfo? directory)
    {
        Port = port;
        Backends = backends;
        _proxy = proxy;
        _directory = directory;
    }

    /// <summary>True when the switch points the tests at one plain redis-server.</summary>
    public static bool Direct => Environment.GetEnvironmentVariable("SHARPCRACKER_TEST_REDIS_DIRECT") == "1";

    public int Port { get; }

    /// <summary>The redis-servers holding the data: the pool's servers, or the one server when <see cref="Direct"/>.</summary>
    public IReadOnlyList<ExternalProcess> Backends { get; }

    /// <summary>
    /// A pool over <paramref name="servers"/> redis-servers (murmur, so a few keys spread over all of
    /// them), with users when <paramref name="withUsers"/>; or, with the switch, one redis-server.
    /// </summary>
    public static async Task<RedisUnderTest> StartAsync(int servers, bool withUsers, string extraPoolKeys = "")
    {
        if (Direct)
        {
            return await StartServerAsync(withUsers);
        }
        string[] serverArgs = withUsers ? ["--requirepass", DefaultPassword] : [];
        var backends = new List<ExternalProcess>();
        try
        {
            for (var i = 0; i < servers; i++)
            {
                backends.Add(RedisServer.Start(serverArgs));
            }
            DirectoryInfo? directory = null;
            var keys = "hash: murmur\n" + extraPoolKeys;
            if (withUsers)
            {
                directory = Directory.CreateTempSubdirectory("sc-redis-users");
                var file = Path.Combine(directory.FullName, "users");
                File.WriteAllText(file, $"{Alice.User}:{Alice.Password}\n{Reader.User}:{Reader.Password}\n@readonly {Reader.User}\n");
                keys += $"\nredis_auth: {DefaultPassword}\nauth_file: {file}";
            }
            var proxy = await TestProxy.StartRedisAsync(backends.Select(b => b.Port), keys);
            return new RedisUnderTest(proxy.Port, backends, proxy, directory);
        }
        catch
        {
            backends.ForEach(b => b.Dispose());
            throw;
        }
    }

    /// <summary>
    /// One plain redis-server configured as the pool is: with users, <c>requirepass</c> for
    /// <c>default</c> and <c>ACL SETUSER</c> for <see cref="Alice"/> (every command) and
    /// <see cref="Reader"/> (<c>+@read +@connection</c>). The reference of the differential tests.
    /// </summary>
    public static async Task<RedisUnderTest> StartServerAsync(bool withUsers)
    {
        var server = RedisServer.Start(withUsers ? ["--requirepass", DefaultPassword] : []);
        if (withUsers)
        {
            using var admin = new RespConnection(server.Port);
            Check(await admin.CallAsync("AUTH", DefaultPassword));
            Check(await admin.CallAsync("ACL", "SETUSER", Alice.User, "on", ">" + Alice.Password, "~*", "&*", "+@all"));
            Check(await admin.CallAsync("ACL", "SETUSER", Reader.User, "on", ">" + Reader.Password, "~*", "&*", "+@read", "+@connection"));
        }
        return new RedisUnderTest(server.Port, [server], null, null);
    }

    /// <summary>
    /// How many of <paramref name="keys"/> each backend holds (EXISTS on each server), to show that
    /// the keys a test chose really landed on different servers.
    /// </summary>
    public async Task<long[]> KeysPerBackendAsync(IEnumerable<string> keys, bool withUsers)
    {
        var counts = new long[Backends.Count];
        for (var i = 0; i < Backends.Count; i++)
        {
            using var c = new RespConnection(Backends[i].Port);
            if (withUsers)
            {
                Check(await c.CallAsync("AUTH", DefaultPassword));
            }
            var reply = await c.CallAsync(["EXISTS", .. keys]);
            counts[i] = long.Parse(reply[1..^2], CultureInfo.InvariantCulture);
        }
        return counts;
    }

    private static void Check(string reply)
    {
        if (reply != "+OK\r\n")
        {
            throw new InvalidOperationException("redis-server refused the test's setup: " + reply);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
        foreach (var backend in Backends)
        {
            backend.Dispose();
        }
        try
        {
            _directory?.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
