using Sharpcracker.Configuration;
using Sharpcracker.Distribution;

namespace Sharpcracker.Proxy;

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

    /// <param name="servers">Servers in the config's order; server i has config <c>config.Servers[i]</c>.</param>
    /// <param name="isLive">Which servers the continuum includes (ejection); vbucket maps ignore it.</param>
    /// <param name="clusterMap">distribution redis_cluster: the slot map (null: none loaded yet); servers are the seeds plus discovered nodes.</param>
    public PoolTopology(PoolConfig config, BackendServer[] servers, Func<BackendServer, bool> isLive, RedisClusterSlotMap? clusterMap = null)
    {
        Config = config;
        Servers = servers;
        Handshake = Redis.RedisBackendHandshake.For(config);
        if (config.Distribution == DistributionKind.RedisCluster)
        {
            ClusterMap = clusterMap ?? RedisClusterSlotMap.Empty;
            _slotServers = ResolveSlots(ClusterMap, servers, out _clusterFallback);
            return;
        }
        if (config.Distribution == DistributionKind.VBucket)
        {
            _vbuckets = config.VBuckets ?? throw new ArgumentException($"pool {config.Name}: distribution vbucket without a map", nameof(config));
            return;
        }
        var members = new List<ContinuumMember>(servers.Length);
        for (var i = 0; i < servers.Length; i++)
        {
            if (isLive(servers[i]))
            {
                members.Add(new ContinuumMember(i, config.Servers[i].Name, config.Servers[i].Weight));
            }
        }
        var tag = config.HashTag is { Length: 2 } t ? new HashTag((byte)t[0], (byte)t[1]) : HashTag.None;
        _router = new KeyRouter(config.Hash, tag, config.Distribution, members);
    }

    public PoolConfig Config { get; }

    /// <summary>Redis AUTH / SELECT for new backend connections; null when the pool needs none.</summary>
    public IBackendHandshake? Handshake { get; }

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

    public BackendServer[] Servers { get; }

    internal KeyRouter? Router => _router; // read-only, for the operator console's /route (OperatorConsole/RouteLookup)

    /// <summary>Index into <see cref="Servers"/> for a key; -1 when no server takes it.</summary>
    public int RouteIndex(ReadOnlySpan<byte> key)
        => _router is not null ? _router.Route(key) : _slotServers is not null ? RouteSlot(RedisClusterSlotMap.Slot(key)) : _vbuckets!.Route(key);

    /// <summary>The server for a key, or null when the pool has no live server for it.</summary>
    public BackendServer? Route(ReadOnlySpan<byte> key)
    {
        var index = RouteIndex(key);
        return index < 0 ? null : Servers[index];
    }
}
