using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Routing;

namespace Sharpcracker.Pools;

/// <summary>
/// One immutable view of a pool: its config, its servers (in the config's order) and the router
/// over the live ones. A pool swaps whole snapshots (config reload, ejection), so a request
/// routed with a snapshot sees one consistent server list and keeps using the server objects —
/// and their connections — it picked, even after a newer snapshot replaced it.
/// </summary>
internal sealed partial class PoolTopology
{
    private readonly KeyRouter? _router;   // every distribution but vbucket
    private readonly VBucketMap? _vbuckets; // distribution vbucket: indexes Servers directly
    private readonly int[]? _slotServers;   // distribution redis_cluster: server index per slot (PoolTopology.Cluster.cs)
    // Replication pools (ReplicationGroup): one group per shard. _router then routes keys to shards
    // (Sentinel: config server i = shard i) or, for the fork's master rule, reads over the live replicas.
    private readonly ReplicationGroup[]? _groups;
    private readonly ReadPolicy _policy;
    private readonly bool _forkReads;
    private readonly (IServerHandshake? Default, IServerHandshake? Alternate) _handshakes;

    /// <param name="servers">Servers in the config's order; server i has config <c>config.Servers[i]</c>.</param>
    /// <param name="isLive">Which servers the continuum includes (ejection); vbucket maps ignore it.</param>
    /// <param name="clusterMap">distribution redis_cluster: the slot map (null: none loaded yet); servers are the seeds plus discovered nodes.</param>
    /// <param name="sentinelGroups">Sentinel pools: the groups as last discovered (indices into <paramref name="servers"/>); null before discovery.</param>
    /// <param name="handshakes">What a new server connection of each dialect sends first (the pool's protocol decides; null: nothing).</param>
    public PoolTopology(PoolConfig config, (IServerHandshake? Default, IServerHandshake? Alternate) handshakes, PoolServer[] servers, Func<PoolServer, bool> isLive, RedisClusterSlotMap? clusterMap = null,
        ReplicationGroup[]? sentinelGroups = null)
    {
        Config = config;
        Servers = servers;
        _handshakes = handshakes;
        if (config.Distribution == DistributionKind.RedisCluster)
        {
            ClusterMap = clusterMap ?? RedisClusterSlotMap.Empty;
            _slotServers = ResolveSlots(ClusterMap, servers, out _clusterFallback);
            _policy = config.ReadPolicy ?? ReadPolicy.Master;
            if (config.RoutesReads)
            {
                _clusterGroups = ResolveClusterGroups(ClusterMap, servers);
            }
            return;
        }
        if (config.Distribution == DistributionKind.VBucket)
        {
            _vbuckets = config.VBuckets ?? throw new ArgumentException($"pool {config.Name}: distribution vbucket without a map", nameof(config));
            return;
        }
        var members = new List<ContinuumMember>(servers.Length);
        if (config.Replication == ReplicationMode.Sentinel)
        {
            // Shards are the configured names and never ejected; their servers come from Sentinel.
            _groups = sentinelGroups ?? [.. config.Servers.Select(s => new ReplicationGroup(s.Name, -1, []))];
            _policy = config.ReadPolicy ?? ReadPolicy.Master;
            for (var i = 0; i < config.Servers.Count; i++)
            {
                members.Add(new ContinuumMember(i, config.Servers[i].Name, config.Servers[i].Weight));
            }
        }
        else
        {
            var master = -1;
            var replicas = new List<int>();
            for (var i = 0; i < servers.Length; i++)
            {
                var isMaster = config.Replication == ReplicationMode.StaticMaster && config.Servers[i].Name == ReplicationNames.MasterServerName;
                if (isMaster)
                {
                    master = i;
                    continue;
                }
                replicas.Add(i);
                if (isLive(servers[i]))
                {
                    members.Add(new ContinuumMember(i, config.Servers[i].Name, config.Servers[i].Weight));
                }
            }
            if (config.Replication == ReplicationMode.StaticMaster)
            {
                _groups = [new ReplicationGroup(ReplicationNames.MasterServerName, master, [.. replicas])];
                _policy = config.ReadPolicy ?? ReadPolicy.Replica;
                _forkReads = config.ReadPolicy is null;
            }
        }
        var tag = config.HashTag is { Length: 2 } t ? new HashTag((byte)t[0], (byte)t[1]) : HashTag.None;
        _router = new KeyRouter(config.Hash, tag, config.Distribution, members);
    }

    /// <summary>
    /// A Redis listener that routes (docs/routes.md): its servers are those of the pools its
    /// route names, one after another, and a key's index comes from the route. Clients of the
    /// listener then use every piece of Redis handling (splits, fan-out, transactions, pub/sub) as
    /// over one pool.
    /// </summary>
    public PoolTopology(PoolConfig config, CompositeKeyRoute composite)
    {
        Config = config;
        Servers = composite.Servers;
        Composite = composite;
        _policy = ReadPolicy.Master;
    }

    /// <summary>Set for a Redis listener that routes; null otherwise.</summary>
    public CompositeKeyRoute? Composite { get; }

    public PoolConfig Config { get; }

    /// <summary>Redis AUTH / SELECT / READONLY (and HELLO 3 for RESP3) for new server connections of a dialect; null when none.</summary>
    public IServerHandshake? HandshakeFor(ServerDialect dialect) => dialect == ServerDialect.Default ? _handshakes.Default : _handshakes.Alternate;

    /// <summary>Throws <see cref="Configuration.ConfigException"/> when the pool's servers cannot be routed (checked before a reload changes anything).</summary>
    public static void Validate(PoolConfig config)
    {
        try
        {
            if (config.Distribution == DistributionKind.RedisCluster)
            {
                return; // seeds only; ConfigLoader checked the cluster rules
            }
            if (config.Distribution == DistributionKind.VBucket)
            {
                if (config.VBuckets is null || config.VBuckets.ServerCount != config.Servers.Count)
                {
                    throw new ArgumentException("distribution vbucket needs a map over the pool's servers");
                }
                return;
            }
            var members = config.Servers.Select((s, i) => new ContinuumMember(i, s.Name, s.Weight)).ToList();
            _ = new KeyRouter(config.Hash, HashTag.None, config.Distribution, members);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException($"pool '{config.Name}': {e.Message.Split(" (Parameter")[0]}");
        }
    }

    public PoolServer[] Servers { get; }

    internal KeyRouter? Router => _router; // read-only, for the operator console's /route (OperatorConsole/RouteLookup)

    /// <summary>
    /// Index for a key by the pool's distribution; -1 when no server takes it. In a replication pool
    /// this is a config index (the Sentinel shard, or the replica the fork's rule reads from); route
    /// requests with <see cref="RouteIndex(ReadOnlySpan{byte}, bool)"/>.
    /// </summary>
    public int RouteIndex(ReadOnlySpan<byte> key)
        => _router is not null ? _router.Route(key)
            : Composite is not null ? Composite.RouteIndex(key)
            : _slotServers is not null ? RouteSlot(RedisClusterSlotMap.Slot(key)) : _vbuckets!.Route(key);

    /// <summary>The server for a key, or null when the pool has no live server for it (a replication group's master).</summary>
    public PoolServer? Route(ReadOnlySpan<byte> key) => Route(key, read: false);

    // ---- replication groups (docs/redis.md "Replication groups") ----

    /// <summary>One group per shard in a replication pool; null for a plain pool.</summary>
    public ReplicationGroup[]? Groups => _groups;

    /// <summary>The groups a Sentinel pool carries over when only the live set changes.</summary>
    public ReplicationGroup[]? SentinelGroups => Config.Replication == ReplicationMode.Sentinel ? _groups : null;

    /// <summary>The read policy in effect (the fork's rule behaves as <see cref="ReadPolicy.Replica"/>).</summary>
    public ReadPolicy ReadPolicy => _policy;

    /// <summary>The fork's master rule without a read_policy: its read list, reads hashed by key over the live replicas.</summary>
    public bool ForkReads => _forkReads;

    /// <summary>The shard of a key: the server index of a plain pool, the group index of a replication pool; -1 when none.</summary>
    public int ShardIndex(ReadOnlySpan<byte> key)
        => _groups is null ? RouteIndex(key) : Config.Replication == ReplicationMode.StaticMaster ? 0 : _router!.Route(key);

    /// <summary>Index into <see cref="Servers"/> of the server that serves a request for <paramref name="key"/> in <paramref name="shard"/>; -1 when none.</summary>
    public int ServerIndex(int shard, ReadOnlySpan<byte> key, bool read)
    {
        if (_groups is null || shard < 0)
        {
            return shard;
        }
        if (_forkReads)
        {
            return read ? _router!.Route(key) : _groups[0].Master;
        }
        return _groups[shard].Pick(_policy, key, read, Servers);
    }

    /// <summary>Index into <see cref="Servers"/> for a read or a write of <paramref name="key"/>; -1 when no server takes it.</summary>
    public int RouteIndex(ReadOnlySpan<byte> key, bool read)
        => _groups is not null ? ServerIndex(ShardIndex(key), key, read)
            : _clusterGroups is not null ? RouteSlot(RedisClusterSlotMap.Slot(key), key, read)
            : RouteIndex(key);

    /// <summary>The groups whose servers' roles are checked (replication groups, or a redis_cluster pool's under a replica read policy).</summary>
    public ReplicationGroup[]? CheckedGroups => _groups ?? _clusterGroups;

    /// <summary>The server for a read or a write of <paramref name="key"/>, or null when none takes it.</summary>
    public PoolServer? Route(ReadOnlySpan<byte> key, bool read)
    {
        var index = RouteIndex(key, read);
        return index < 0 ? null : Servers[index];
    }
}
