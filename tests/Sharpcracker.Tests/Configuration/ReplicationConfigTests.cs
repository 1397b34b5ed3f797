using Sharpcracker.Configuration;

namespace Sharpcracker.Tests.Configuration;

/// <summary>The fork's layout and global keys, the master rule's checks, read_policy, sentinels: what the loader accepts and refuses.</summary>
public sealed class ReplicationConfigTests
{
    private static ProxyConfig Load(string yaml) => ConfigLoader.Parse(yaml, "t.yml");

    private static string Error(string yaml) => Assert.Throws<ConfigException>(() => Load(yaml)).Message;

    private const string RedisPool = """
          p:
            listen: 127.0.0.1:22121
            redis: true
            servers:
              - 127.0.0.1:6379:1 master
              - 127.0.0.1:6380:1
        """;

    [Fact]
    public void ForkLayout_IsDetected_GlobalKeysMapped()
    {
        var config = Load("global:\n  worker_processes: 3\n  max_openfiles: 4096\n  user: nobody\n  group: nogroup\n  worker_shutdown_timeout: 7\npools:\n" + RedisPool);
        Assert.Equal(3, config.Global!.WorkerThreads);
        Assert.Equal(4096, config.Global.MaxOpenFiles);
        Assert.Equal(7, config.Global.WorkerShutdownTimeoutSeconds);
        Assert.Single(config.Warnings, w => w.Contains("\"user\"/\"group\" are not applied", StringComparison.Ordinal));
        var pool = Assert.Single(config.Pools);
        Assert.True(pool.ForkLayout);
        Assert.Equal(ReplicationMode.StaticMaster, pool.Replication);
        Assert.Null(pool.ReadPolicy); // the fork's own rule
        Assert.Equal(ConfigLoader.ForkClientConnections, pool.ClientConnections); // the fork's default, not 0
        Assert.Equal(Environment.ProcessorCount, Load("global:\n  worker_processes: auto\npools:\n" + RedisPool).Global!.WorkerThreads);
        Assert.Equal(1, Load("global:\n  worker_processes: 0\npools:\n" + RedisPool).Global!.WorkerThreads); // single-process mode: one loop
        Assert.Null(Load("pools:\n" + RedisPool).Global); // global: is optional
        Assert.Empty(Load("global:\n  worker_processes: 2\npools:\n" + RedisPool).Warnings);
    }

    [Fact]
    public void ForkLayout_Errors()
    {
        Assert.Contains("unknown section: extra", Error("global:\n  worker_processes: 1\npools:\n" + RedisPool + "\nextra:\n  a: 1\n"));
        Assert.Contains("global: directive \"workers\"", Error("global:\n  workers: 1\npools:\n" + RedisPool));
        Assert.Contains("is not a number: 'many'", Error("global:\n  worker_processes: many\npools:\n" + RedisPool));
        Assert.Contains("cannot be 0", Error("pools:\n" + RedisPool.Replace("redis: true", "redis: true\n    client_connections: 0", StringComparison.Ordinal)));
    }

    [Fact]
    public void FlatLayout_WithPoolsNamedPoolsOrGlobal_StaysFlat()
    {
        var config = Load("pools:\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:11211:1\nglobal:\n  listen: 127.0.0.1:22122\n  servers:\n    - 127.0.0.1:11211:1\n");
        Assert.Equal(["pools", "global"], config.Pools.Select(p => p.Name));
        Assert.All(config.Pools, p => Assert.False(p.ForkLayout));
        Assert.All(config.Pools, p => Assert.Equal(0, p.ClientConnections));
        Assert.Null(config.Global);
    }

    [Fact]
    public void MasterRule_TheForksChecks()
    {
        Assert.Equal(ReplicationMode.StaticMaster, Load(RedisPool).Pools[0].Replication); // flat layout too
        Assert.Contains("master is duplicate", Error(RedisPool + "\n      - 127.0.0.1:6381:1 master\n"));
        Assert.Contains("directive \"redis_master:\" is only valid for a redis pool", Error(RedisPool.Replace("redis: true", "redis: false", StringComparison.Ordinal)));
        Assert.Contains("pool has no servers", Error(RedisPool.Replace("\n      - 127.0.0.1:6380:1", "", StringComparison.Ordinal)));
        Assert.Equal(ReplicationMode.None, Load(RedisPool.Replace(" master", " m", StringComparison.Ordinal)).Pools[0].Replication);
    }

    [Fact]
    public void ReadPolicyAndSentinels()
    {
        Assert.Equal(ReadPolicy.PreferReplica, Load(RedisPool.Replace("redis: true", "redis: true\n    read_policy: prefer_replica", StringComparison.Ordinal)).Pools[0].ReadPolicy);
        Assert.Contains("is not one of master, prefer_master, replica, prefer_replica, any: 'slave'",
            Error(RedisPool.Replace("redis: true", "redis: true\n    read_policy: slave", StringComparison.Ordinal)));
        Assert.Contains("needs a replication group", Error(RedisPool.Replace(" master", " m", StringComparison.Ordinal).Replace("redis: true", "redis: true\n    read_policy: any", StringComparison.Ordinal)));

        const string sentinel = """
              s:
                listen: 127.0.0.1:22121
                redis: true
                sentinel_auth: secret
                sentinels:
                  - 127.0.0.1:26379
                  - 127.0.0.1:26380:1
                servers:
                  - 127.0.0.1:6379:1 mymaster
                  - 127.0.0.1:6379:1 other
            """;
        var pool = Load(sentinel).Pools[0];
        Assert.Equal(ReplicationMode.Sentinel, pool.Replication);
        Assert.Equal(["127.0.0.1:26379", "127.0.0.1:26380"], pool.Sentinels!.Select(s => s.EndpointText));
        Assert.Equal("secret", pool.SentinelAuth);
        Assert.Contains("needs a name", Error(sentinel.Replace(" other", "", StringComparison.Ordinal)));
        Assert.Contains("cannot be combined with a server named \"master\"", Error(sentinel.Replace(" other", " master", StringComparison.Ordinal)));
        Assert.Contains("invalid \"host:port[:weight]\" entry: 'nowhere'", Error(sentinel.Replace("127.0.0.1:26379", "nowhere", StringComparison.Ordinal)));
        Assert.Contains("\"sentinels\"", Error(sentinel.Replace("redis: true", "redis: false", StringComparison.Ordinal).Replace("    sentinel_auth: secret\n", "", StringComparison.Ordinal)));
        Assert.Contains("\"sentinel_auth\"", Error(RedisPool.Replace("redis: true", "redis: true\n    sentinel_auth: x", StringComparison.Ordinal)));
    }
}
