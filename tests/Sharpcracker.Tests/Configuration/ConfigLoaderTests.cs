using Sharpcracker.Configuration;
using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    private const string Path = "/etc/test/nutcracker.yml";

    private static ProxyConfig Load(string yaml) => ConfigLoader.Parse(yaml, Path);

    private static string Error(string yaml) => Assert.Throws<ConfigException>(() => Load(yaml)).Message;

    private const string Minimal = """
        alpha:
          listen: 127.0.0.1:22121
          servers:
            - 127.0.0.1:11211:1
        """;

    [Fact]
    public void DefaultsMatchTwemproxy()
    {
        var config = Load(Minimal);
        Assert.Equal(Path, config.FilePath);
        var pool = Assert.Single(config.Pools);
        Assert.Equal("alpha", pool.Name);
        Assert.Equal(HashKind.Fnv1a_64, pool.Hash);
        Assert.Null(pool.HashTag);
        Assert.Equal(DistributionKind.Ketama, pool.Distribution);
        Assert.Null(pool.TimeoutMs);
        Assert.Equal(512, pool.Backlog);
        Assert.Equal(0, pool.ClientConnections);
        Assert.False(pool.Redis);
        Assert.False(pool.TcpKeepAlive);
        Assert.False(pool.ReusePort);
        Assert.Null(pool.RedisAuth);
        Assert.Equal(0, pool.RedisDb);
        Assert.False(pool.Preconnect);
        Assert.False(pool.AutoEjectHosts);
        Assert.Equal(1, pool.ServerConnections);
        Assert.Equal(30000, pool.ServerRetryTimeoutMs);
        Assert.Equal(2, pool.ServerFailureLimit);
        var server = Assert.Single(pool.Servers);
        Assert.Equal("127.0.0.1", server.Host);
        Assert.Equal(11211, server.Port);
        Assert.Equal(1, server.Weight);
        Assert.Equal("127.0.0.1", server.Name);
        Assert.False(server.HasExplicitName);
        Assert.False(server.IsUnix);
        Assert.Equal("127.0.0.1:11211", server.EndpointText);
    }

    [Fact]
    public void EveryKeyIsParsed()
    {
        var config = Load("""
            beta:
              listen: 0.0.0.0:6380
              hash: murmur
              hash_tag: "{}"
              distribution: modula
              timeout: 400
              backlog: 1024
              client_connections: 100
              redis: true
              tcpkeepalive: true
              reuseport: true
              redis_auth: s3cret
              redis_db: 3
              preconnect: true
              auto_eject_hosts: true
              server_connections: 4
              server_retry_timeout: 2000
              server_failure_limit: 5
              servers:
                - 10.0.0.1:6379:2 r1
                - 10.0.0.2:6379:3 r2
            """);
        var pool = Assert.Single(config.Pools);
        Assert.Equal("beta", pool.Name);
        Assert.Equal("0.0.0.0", pool.Listen.Host);
        Assert.Equal(6380, pool.Listen.Port);
        Assert.Equal(HashKind.Murmur, pool.Hash);
        Assert.Equal("{}", pool.HashTag);
        Assert.Equal(DistributionKind.Modula, pool.Distribution);
        Assert.Equal(400, pool.TimeoutMs);
        Assert.Equal(1024, pool.Backlog);
        Assert.Equal(100, pool.ClientConnections);
        Assert.True(pool.Redis);
        Assert.True(pool.TcpKeepAlive);
        Assert.True(pool.ReusePort);
        Assert.Equal("s3cret", pool.RedisAuth);
        Assert.Equal(3, pool.RedisDb);
        Assert.True(pool.Preconnect);
        Assert.True(pool.AutoEjectHosts);
        Assert.Equal(4, pool.ServerConnections);
        Assert.Equal(2000, pool.ServerRetryTimeoutMs);
        Assert.Equal(5, pool.ServerFailureLimit);
        Assert.Equal(["r1", "r2"], pool.Servers.Select(s => s.Name));
        Assert.Equal([2, 3], pool.Servers.Select(s => s.Weight));
        Assert.All(pool.Servers, s => Assert.True(s.HasExplicitName));
        Assert.Equal("10.0.0.2", pool.Servers[1].Host);
        Assert.Equal(6379, pool.Servers[1].Port);
    }

    [Theory]
    [InlineData("one_at_a_time", HashKind.OneAtATime)]
    [InlineData("md5", HashKind.Md5)]
    [InlineData("crc16", HashKind.Crc16)]
    [InlineData("crc32", HashKind.Crc32)]
    [InlineData("crc32a", HashKind.Crc32a)]
    [InlineData("fnv1_64", HashKind.Fnv1_64)]
    [InlineData("fnv1a_64", HashKind.Fnv1a_64)]
    [InlineData("fnv1_32", HashKind.Fnv1_32)]
    [InlineData("fnv1a_32", HashKind.Fnv1a_32)]
    [InlineData("hsieh", HashKind.Hsieh)]
    [InlineData("murmur", HashKind.Murmur)]
    [InlineData("jenkins", HashKind.Jenkins)]
    public void EveryHashName(string name, object kind)
    {
        Assert.Equal((HashKind)kind, Load(Minimal + "\n  hash: " + name).Pools[0].Hash);
    }

    [Theory]
    [InlineData("ketama", DistributionKind.Ketama)]
    [InlineData("modula", DistributionKind.Modula)]
    [InlineData("random", DistributionKind.Random)]
    public void EveryDistributionName(string name, object kind)
    {
        Assert.Equal((DistributionKind)kind, Load(Minimal + "\n  distribution: " + name).Pools[0].Distribution);
    }

    [Theory]
    [InlineData("127.0.0.1:22121", "127.0.0.1", 22121)]
    [InlineData("0.0.0.0:1", "0.0.0.0", 1)]
    [InlineData("localhost:65535", "localhost", 65535)]
    [InlineData("::1:22121", "::1", 22121)]
    [InlineData("fe80::1:2:3:22121", "fe80::1:2:3", 22121)]
    [InlineData("[::1]:22121", "::1", 22121)]
    [InlineData(" 127.0.0.1:22121 ", "127.0.0.1", 22121)]
    public void TcpListenSplitsAtTheLastColon(string text, string host, int port)
    {
        var listen = ConfigLoader.ParseListen(text);
        Assert.NotNull(listen);
        Assert.False(listen.IsUnix);
        Assert.Equal(host, listen.Host);
        Assert.Equal(port, listen.Port);
        Assert.Null(listen.UnixPath);
        Assert.Equal(text.Trim(), listen.Text);
    }

    [Theory]
    [InlineData("/tmp/x.sock", "/tmp/x.sock", null)]
    [InlineData("/tmp/x.sock 0755", "/tmp/x.sock", 493)]
    [InlineData("/tmp/x.sock 0600", "/tmp/x.sock", 384)]
    [InlineData("/tmp/x.sock 777", "/tmp/x.sock", 511)]
    [InlineData("/var/run/nut.sock   0644", "/var/run/nut.sock", 420)]
    public void UnixListenWithOctalPermissions(string text, string path, int? permissions)
    {
        var listen = ConfigLoader.ParseListen(text);
        Assert.NotNull(listen);
        Assert.True(listen.IsUnix);
        Assert.Equal(path, listen.UnixPath);
        Assert.Equal(permissions, listen.UnixPermissions);
        Assert.Null(listen.Host);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:")]
    [InlineData(":22121")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("127.0.0.1:port")]
    [InlineData("/tmp/x.sock 0789")]
    [InlineData("/tmp/x.sock 0755 extra")]
    [InlineData("")]
    public void InvalidListen(string text)
    {
        Assert.Null(ConfigLoader.ParseListen(text));
    }

    [Fact]
    public void UnixListenWithUnparsablePermissionsIsInvalidNotACrash()
    {
        Assert.Null(ConfigLoader.ParseListen("/tmp/x.sock -1"));
        Assert.Null(ConfigLoader.ParseListen("/tmp/x.sock 77777777777"));
        var message = Error("alpha:\n  listen: /tmp/x.sock -1\n  servers:\n    - 127.0.0.1:11211:1\n");
        Assert.Contains("\"listen\"", message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnixListenPermissionsAbove0777AreRejected()
    {
        Assert.Null(ConfigLoader.ParseListen("/tmp/x.sock 1777"));
        Assert.Null(ConfigLoader.ParseListen("/tmp/x.sock 04755"));
    }

    [Fact]
    public void UnixListenThroughTheLoader()
    {
        var pool = Load("""
            sock:
              listen: /tmp/x.sock 0755
              servers:
                - /tmp/mc.sock:1
            """).Pools[0];
        Assert.True(pool.Listen.IsUnix);
        Assert.Equal("/tmp/x.sock", pool.Listen.UnixPath);
        Assert.Equal(Convert.ToInt32("755", 8), pool.Listen.UnixPermissions);
    }

    [Theory]
    [InlineData("127.0.0.1:11211:1", "127.0.0.1", 11211, null, 1, "127.0.0.1", false)]
    [InlineData("127.0.0.1:11212:1", "127.0.0.1", 11212, null, 1, "127.0.0.1:11212", false)]
    [InlineData("127.0.0.1:11211:3 server1", "127.0.0.1", 11211, null, 3, "server1", true)]
    [InlineData("mc.example.com:11211:10", "mc.example.com", 11211, null, 10, "mc.example.com", false)]
    [InlineData("mc.example.com:21211:2", "mc.example.com", 21211, null, 2, "mc.example.com:21211", false)]
    [InlineData("::1:11212:1", "::1", 11212, null, 1, "::1:11212", false)]
    [InlineData("/tmp/mc.sock:1", null, 0, "/tmp/mc.sock", 1, "/tmp/mc.sock:", false)]
    [InlineData("/tmp/mc.sock:2 local", null, 0, "/tmp/mc.sock", 2, "local", true)]
    public void ServerLinesAndNames(string text, string? host, int port, string? unixPath, int weight, string name, bool explicitName)
    {
        var server = ConfigLoader.ParseServer(text);
        Assert.NotNull(server);
        Assert.Equal(host, server.Host);
        Assert.Equal(port, server.Port);
        Assert.Equal(unixPath, server.UnixPath);
        Assert.Equal(weight, server.Weight);
        Assert.Equal(name, server.Name);
        Assert.Equal(explicitName, server.HasExplicitName);
        Assert.Equal(unixPath is not null, server.IsUnix);
    }

    [Theory]
    [InlineData("127.0.0.1:11211")]
    [InlineData("127.0.0.1:11211:0")]
    [InlineData("127.0.0.1:11211:-1")]
    [InlineData("127.0.0.1:11211:x")]
    [InlineData("127.0.0.1:0:1")]
    [InlineData("127.0.0.1:70000:1")]
    [InlineData("127.0.0.1")]
    [InlineData(":11211:1")]
    [InlineData("")]
    public void InvalidServerLines(string text)
    {
        Assert.Null(ConfigLoader.ParseServer(text));
    }

    [Fact]
    public void SeveralPools_OrderedLikeTwemproxy_ShorterNameFirstThenBytes()
    {
        var config = Load("""
            zeta:
              listen: 127.0.0.1:22123
              servers:
                - 127.0.0.1:11211:1
            alpha:
              listen: 127.0.0.1:22121
              servers:
                - 127.0.0.1:11212:1
            mid:
              listen: 127.0.0.1:22122
              redis: true
              servers:
                - 127.0.0.1:6379:1
            """);
        // Observed on nutcracker 0.5.0's stats output: pools a, zz, ccc for a file listing zz, ccc, a.
        Assert.Equal(["mid", "zeta", "alpha"], config.Pools.Select(p => p.Name));
        Assert.Equal([22122, 22123, 22121], config.Pools.Select(p => p.Listen.Port));
        Assert.True(config.Pools[0].Redis);
        Assert.False(config.Pools[1].Redis);
    }

    [Fact]
    public void Servers_OrderedByNameLikeTwemproxy_WhichModulaIndexesDependOn()
    {
        var config = Load("""
            pool:
              listen: 127.0.0.1:22121
              distribution: modula
              servers:
                - 127.0.0.1:11213:1 zz
                - 127.0.0.1:11212:1 mmm
                - 127.0.0.1:11211:1 a
                - 127.0.0.1:11214:1 b
            """);
        Assert.Equal(["a", "b", "zz", "mmm"], config.Pools[0].Servers.Select(s => s.Name));
    }

    [Fact]
    public void LoadFileReadsTheFileAndNamesItInErrors()
    {
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"sharpcracker-unit-{Guid.NewGuid():N}.yml");
        try
        {
            File.WriteAllText(file, Minimal);
            var config = ConfigLoader.LoadFile(file);
            Assert.Equal(file, config.FilePath);
            Assert.Equal("alpha", Assert.Single(config.Pools).Name);
            File.WriteAllText(file, Minimal + "\n  bogus: 1");
            var message = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(file)).Message;
            Assert.Contains(file, message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
        var missing = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(file)).Message;
        Assert.Contains(file, missing, StringComparison.Ordinal);
    }

    /// <summary>(extra pool settings, key the error must name, words the error must contain).</summary>
    [Theory]
    [InlineData("  bogus: 1", "bogus", "unknown")]
    [InlineData("  backlog: ten", "backlog", "not a number")]
    [InlineData("  backlog: -1", "backlog", "not a number")]
    [InlineData("  backlog: 1.5", "backlog", "not a number")]
    [InlineData("  timeout: 10ms", "timeout", "not a number")]
    [InlineData("  server_retry_timeout: 0x10", "server_retry_timeout", "not a number")]
    [InlineData("  server_failure_limit: ''", "server_failure_limit", "not a number")]
    [InlineData("  client_connections: 99999999999", "client_connections", "not a number")]
    [InlineData("  redis_db: [1]", "redis_db", "single value")]
    [InlineData("  preconnect: yes", "preconnect", "\"true\" or \"false\"")]
    [InlineData("  auto_eject_hosts: True", "auto_eject_hosts", "\"true\" or \"false\"")]
    [InlineData("  tcpkeepalive: 1", "tcpkeepalive", "\"true\" or \"false\"")]
    [InlineData("  hash: sha1", "hash", "not a valid hash")]
    [InlineData("  hash: FNV1A_64", "hash", "not a valid hash")]
    [InlineData("  distribution: consistent", "distribution", "not a valid distribution")]
    [InlineData("  hash_tag: \"{\"", "hash_tag", "two characters")]
    [InlineData("  hash_tag: \"{}}\"", "hash_tag", "two characters")]
    [InlineData("  server_connections: 0", "server_connections", "cannot be 0")]
    [InlineData("  redis_auth: pw", "redis_auth", "only valid for a redis pool")]
    [InlineData("  redis: false\n  redis_auth: pw", "redis_auth", "only valid for a redis pool")]
    public void PoolSettingErrorsNameFilePoolAndKey(string extra, string key, string words)
    {
        var message = Error(Minimal + "\n" + extra);
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", message, StringComparison.Ordinal);
        Assert.Contains($"\"{key}\"", message, StringComparison.Ordinal);
        Assert.Contains(words, message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingListen()
    {
        var message = Error("""
            alpha:
              servers:
                - 127.0.0.1:11211:1
            """);
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", message, StringComparison.Ordinal);
        Assert.Contains("\"listen:\" is missing", message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidListenInThePool()
    {
        var message = Error("""
            alpha:
              listen: 127.0.0.1
              servers:
                - 127.0.0.1:11211:1
            """);
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", message, StringComparison.Ordinal);
        Assert.Contains("\"listen\"", message, StringComparison.Ordinal);
        Assert.Contains("'127.0.0.1'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  servers:\n    - 127.0.0.1:11211", "127.0.0.1:11211")]
    [InlineData("  servers:\n    - 127.0.0.1:11211:1\n    - 10.0.0.1:11211:zero", "10.0.0.1:11211:zero")]
    [InlineData("  servers:\n    - /tmp/mc.sock", "/tmp/mc.sock")]
    public void MalformedServerLine(string servers, string bad)
    {
        var message = Error("alpha:\n  listen: 127.0.0.1:22121\n" + servers);
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", message, StringComparison.Ordinal);
        Assert.Contains("\"servers\"", message, StringComparison.Ordinal);
        Assert.Contains($"'{bad}'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alpha:\n  listen: 127.0.0.1:22121\n")]
    [InlineData("alpha:\n  listen: 127.0.0.1:22121\n  servers: []\n")]
    [InlineData("alpha:\n  listen: 127.0.0.1:22121\n  servers: 127.0.0.1:11211:1\n")]
    public void MissingOrEmptyServers(string yaml)
    {
        var message = Error(yaml);
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", message, StringComparison.Ordinal);
        Assert.Contains("servers", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:11211:1", "127.0.0.1:11211:2", "127.0.0.1")]
    [InlineData("10.0.0.1:11211:1 same", "10.0.0.2:11211:1 same", "same")]
    [InlineData("10.0.0.1:11211:1 10.0.0.9", "10.0.0.9:11211:1", "10.0.0.9")]
    [InlineData("/tmp/a.sock:1", "/tmp/a.sock:5", "/tmp/a.sock:")]
    public void DuplicateServerNames(string first, string second, string name)
    {
        var message = Error($"alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    - {first}\n    - {second}\n");
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", message, StringComparison.Ordinal);
        Assert.Contains($"same name '{name}'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void DistinctNamesOnTheSameHostAreFine()
    {
        var pool = Load("alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:11211:1\n    - 127.0.0.1:11212:1\n").Pools[0];
        Assert.Equal(["127.0.0.1", "127.0.0.1:11212"], pool.Servers.Select(s => s.Name));
    }

    [Fact]
    public void SameListenInTwoPools()
    {
        var message = Error("""
            alpha:
              listen: 127.0.0.1:22121
              servers:
                - 127.0.0.1:11211:1
            beta:
              listen: 127.0.0.1:22122
              servers:
                - 127.0.0.1:11211:1
            gamma:
              listen: 127.0.0.1:22121
              servers:
                - 127.0.0.1:11211:1
            """);
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", message, StringComparison.Ordinal);
        Assert.Contains("'gamma'", message, StringComparison.Ordinal);
        Assert.Contains("'127.0.0.1:22121'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("'beta'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("{}")]
    [InlineData("just a scalar")]
    public void NoPools(string yaml)
    {
        var message = Error(yaml);
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("no pools", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alpha:\n  listen: [127.0.0.1:22121\n")]
    [InlineData("alpha:\n  listen: \"127.0.0.1:22121\n")]
    [InlineData("alpha:\n\tlisten: 127.0.0.1:22121\n")]
    [InlineData("alpha:\n  listen: 127.0.0.1:22121\n   servers: x\n  - y\n")]
    public void InvalidYaml(string yaml)
    {
        var message = Error(yaml);
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("not valid YAML", message, StringComparison.Ordinal);
    }

    [Fact]
    public void PoolThatIsNotAMapping()
    {
        var message = Error("alpha: 127.0.0.1:22121\n");
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void MoreThanOneDocument()
    {
        var message = Error(Minimal + "\n---\n" + Minimal);
        Assert.Contains(Path, message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicatePoolNamesAreAConfigError()
    {
        var message = Error(Minimal + "\n" + Minimal.Replace("22121", "22122", StringComparison.Ordinal));
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("alpha", message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateKeyIsRejectedNamingFileAndKey()
    {
        var message = Error(Minimal + "\n  backlog: 10\n  backlog: 20");
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("backlog", message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateKeyNamesThePool()
    {
        var message = Error(Minimal + "\n  backlog: 10\n  backlog: 20");
        Assert.Contains(Path, message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", message, StringComparison.Ordinal);
        Assert.Contains("\"backlog\"", message, StringComparison.Ordinal);
        Assert.Contains("duplicate", message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonScalarPoolNameIsAConfigError()
    {
        // A complex mapping key: twemproxy refuses it; the loader must report it, not crash.
        var message = Error("? - a\n  - b\n: \n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:11211:1\n");
        Assert.Contains(Path, message, StringComparison.Ordinal);
    }
}
