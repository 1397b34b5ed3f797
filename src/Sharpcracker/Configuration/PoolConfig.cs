using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Configuration;

/// <summary>One pool, with twemproxy 0.5.0's defaults for every key not given.</summary>
internal sealed record PoolConfig
{
    public required string Name { get; init; }
    /// <summary><see cref="ListenAddress.None"/> for a pool that serves routes only.</summary>
    public required ListenAddress Listen { get; init; }
    /// <summary>A listener that routes (docs/routes.md): its requests go where this tree says; it has no servers of its own.</summary>
    public Routes.RouteConfig? Route { get; init; }
    /// <summary>No listen: the pool is reached only through routes.</summary>
    public bool ServesRoutesOnly => ReferenceEquals(Listen, ListenAddress.None);
    public HashKind Hash { get; init; } = HashKind.Fnv1a_64;
    public string? HashTag { get; init; }
    public DistributionKind Distribution { get; init; } = DistributionKind.Ketama;
    /// <summary>Milliseconds; null waits forever (twemproxy's default).</summary>
    public int? TimeoutMs { get; init; }
    public int Backlog { get; init; } = 512;
    /// <summary>0 means unlimited.</summary>
    public int ClientConnections { get; init; }
    public bool Redis { get; init; }
    public bool TcpKeepAlive { get; init; }
    public bool ReusePort { get; init; }
    public string? RedisAuth { get; init; }
    /// <summary>
    /// redis_refuse_commands: lowercase command names ("flushall") and container subcommands
    /// ("config|set") a Redis client gets an error for instead of the command; null when none.
    /// </summary>
    public System.Collections.Frozen.FrozenSet<string>? RedisRefuseCommands { get; init; }
    public int RedisDb { get; init; }
    public bool Preconnect { get; init; }
    public bool AutoEjectHosts { get; init; }
    public int ServerConnections { get; init; } = 1;
    public int ServerRetryTimeoutMs { get; init; } = 30000;
    public int ServerFailureLimit { get; init; } = 2;
    // Sharpcracker's limits (not in twemproxy; docs/operations.md "Failures and limits").
    /// <summary>Largest request (line plus data block) in bytes; a bigger storage command gets
    /// <c>SERVER_ERROR object too large for cache</c> and its data is swallowed, as memcached does.</summary>
    public int RequestSizeLimit { get; init; } = DefaultRequestSizeLimit;
    /// <summary>Reply bytes a client may leave unread before it is disconnected.</summary>
    public int ClientOutputLimit { get; init; } = DefaultClientOutputLimit;
    /// <summary>Requests in flight on one server connection before clients sending to it are paused.</summary>
    public int ServerInflightLimit { get; init; } = DefaultServerInflightLimit;

    /// <summary>
    /// 1 GiB: redis-server's client-query-buffer-limit (its proto-max-bulk-len, 512 MiB, caps one
    /// argument) and the largest item memcached can be configured to take (-I 1024m), so the
    /// default never refuses what a backend with its own defaults, or memcached at its maximum, accepts.
    /// </summary>
    public const int DefaultRequestSizeLimit = 1024 * 1024 * 1024;
    /// <summary>1 GiB: the largest single request also comes back as a reply (MSET then MGET, set then get).</summary>
    public const int DefaultClientOutputLimit = 1024 * 1024 * 1024;
    public const int DefaultServerInflightLimit = 16384;
    /// <summary>
    /// Redis pools: dedicated connections (blocking commands, transactions, subscriptions) one
    /// server may have open at once over all workers (<c>dedicated_connections</c>, a Sharpcracker
    /// key; docs/redis.md "Dedicated connections"). One more client gets a clear error.
    /// </summary>
    public int DedicatedConnections { get; init; } = DefaultDedicatedConnections;
    /// <summary>1024: a tenth of redis-server's default maxclients (10000).</summary>
    public const int DefaultDedicatedConnections = 1024;
    /// <summary>
    /// A pool whose servers are discovered (Sentinel, redis_cluster, a moxi vBucket stream) accepts
    /// clients once its first topology is known, or after this many milliseconds without it
    /// (<c>discovery_timeout</c>, a Sharpcracker key; docs/operations.md "Start-up of discovered pools").
    /// </summary>
    public int DiscoveryTimeoutMs { get; init; } = DefaultDiscoveryTimeoutMs;
    public const int DefaultDiscoveryTimeoutMs = 10000;
    /// <summary>
    /// Active health checks (<c>health_check_interval</c>, ms; a Sharpcracker key): a server that has
    /// sent no reply for this long is probed by the control plane. Null: off (twemproxy's behaviour).
    /// </summary>
    public int? HealthCheckIntervalMs { get; init; }
    /// <summary>moxi <c>-z url=</c>: the servers and vBucket map come from a streaming config (ControlPlane/Moxi).</summary>
    public bool VBucketStream { get; init; }
    public required IReadOnlyList<ServerConfig> Servers { get; init; }
    /// <summary>TLS on the listener (docs/operations.md "TLS"); null: plaintext.</summary>
    public ListenerTlsConfig? Tls { get; init; }
    /// <summary>TLS to the servers; null: plaintext.</summary>
    public ServerTlsConfig? ServerTls { get; init; }
    /// <summary>Bound on one TLS handshake, client or server side (tls_handshake_timeout).</summary>
    public int TlsHandshakeTimeoutMs { get; init; } = ConfigLoader.DefaultTlsHandshakeTimeoutMs;
    // Replication groups (docs/redis.md "Replication groups", Configuration/ReplicationConfig.cs).
    public ReplicationMode Replication { get; init; }
    /// <summary>
    /// Null in a <c>master</c> pool: the fork's rule (its read list, reads hashed over the replicas
    /// only). Also allowed in a redis_cluster pool, over each master and the replicas the cluster lists.
    /// </summary>
    public ReadPolicy? ReadPolicy { get; init; }
    /// <summary>
    /// Reads and writes are routed apart, and the servers' roles checked: a replication group, or a
    /// redis_cluster pool whose read_policy lets reads go to replicas.
    /// </summary>
    public bool RoutesReads => Replication != ReplicationMode.None
        || (Distribution == DistributionKind.RedisCluster && ReadPolicy is { } policy && policy != Configuration.ReadPolicy.Master);
    /// <summary>Sentinel addresses (<c>sentinels:</c>); set exactly when <see cref="Replication"/> is Sentinel.</summary>
    public IReadOnlyList<ServerConfig>? Sentinels { get; init; }
    /// <summary>Password (or "user password") sent with AUTH to the sentinels.</summary>
    public string? SentinelAuth { get; init; }
    /// <summary>Loaded from the fork's <c>global:</c> + <c>pools:</c> layout (its unknown-command rule, its client_connections default).</summary>
    public bool ForkLayout { get; init; }
    /// <summary>Set exactly when <see cref="Distribution"/> is vbucket; indexes <see cref="Servers"/> (file order).</summary>
    public VBucketMap? VBuckets { get; init; }
    /// <summary>The credentials clients must present (auth_file, memcached -Y format; Redis pools: users besides <c>default</c>, and <c>@readonly</c> rules); null: none.</summary>
    public AuthFile? AuthFile { get; init; }
    /// <summary>memcached pools: which protocols clients may speak (memcache_protocol; memcached's -B).</summary>
    public MemcacheProtocol MemcacheProtocol { get; init; }
}
