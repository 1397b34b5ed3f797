using Sharpcracker.Engine;
using Sharpcracker.Routing;

namespace Sharpcracker.Pools;

/// <summary>
/// A redis_cluster pool's routing: slot → the index in <see cref="Servers"/> of the slot's master,
/// resolved once per snapshot from the endpoints of the <see cref="RedisClusterSlotMap"/>; and,
/// under a read_policy other than master, one <see cref="ReplicationGroup"/> per map node (a master
/// and its replicas), which picks the server for a read as it does for a replication pool.
/// </summary>
internal sealed partial class PoolTopology
{
    // Where a slot without a known master goes: a node answers it with MOVED (followed, and the
    // map refreshed) or "CLUSTERDOWN Hash slot not served", exactly as the cluster sees it.
    private readonly int _clusterFallback;
    // Read policy other than master: one group per map node (a master and its replicas), indexed
    // like the map's nodes, so a slot's group is its ClusterMap.OwnerIndex. Null under the master
    // policy: reads go to RouteSlot.
    private readonly ReplicationGroup[]? _clusterGroups;

    /// <summary>distribution redis_cluster: the slot map this snapshot routes with; null otherwise.</summary>
    public RedisClusterSlotMap? ClusterMap { get; }

    /// <summary>
    /// A redis_cluster pool whose reads may go to replicas (read_policy other than master): its
    /// groups, one per master of the map; null otherwise.
    /// </summary>
    public ReplicationGroup[]? ClusterGroups => _clusterGroups;

    /// <summary>Index into <see cref="Servers"/> of the slot's master (or of a node that will say where it is).</summary>
    public int RouteSlot(int slot) => _slotServers![slot] is var index and >= 0 ? index : _clusterFallback;

    /// <summary>
    /// Index into <see cref="Servers"/> for a read or a write of <paramref name="key"/> in
    /// <paramref name="slot"/>: writes and master-policy reads go to the slot's master; other reads
    /// go where the read policy says among the master and its replicas (-1: the policy leaves none).
    /// </summary>
    public int RouteSlot(int slot, ReadOnlySpan<byte> key, bool read)
    {
        if (!read || _clusterGroups is null || ClusterMap!.OwnerIndex(slot) is not (var group and >= 0) || _clusterGroups[group].Master < 0)
        {
            return RouteSlot(slot);
        }
        return _clusterGroups[group].Pick(_policy, key, read: true, Servers);
    }

    /// <summary>The server whose endpoint is <paramref name="endpoint"/> ("host:port"), or null.</summary>
    public PoolServer? ServerAt(string endpoint)
    {
        foreach (var server in Servers)
        {
            if (server.Config.EndpointText == endpoint)
            {
                return server;
            }
        }
        return null;
    }

    private static int[] ResolveSlots(RedisClusterSlotMap map, PoolServer[] servers, out int fallback)
    {
        var byNode = NodeIndices(map, servers);
        fallback = byNode.FirstOrDefault(i => i >= 0, 0);
        var slots = new int[RedisClusterSlotMap.SlotCount];
        for (var slot = 0; slot < slots.Length; slot++)
        {
            var owner = map.OwnerIndex(slot);
            slots[slot] = owner < 0 ? -1 : byNode[owner];
        }
        return slots;
    }

    /// <summary>One group per map node: its master's server index (-1: not a server yet) and its replicas' that are servers.</summary>
    private static ReplicationGroup[] ResolveClusterGroups(RedisClusterSlotMap map, PoolServer[] servers)
    {
        var byNode = NodeIndices(map, servers);
        var groups = new ReplicationGroup[map.Nodes.Count];
        for (var n = 0; n < groups.Length; n++)
        {
            var replicas = map.ReplicasOf(n)
                .Select(r => Array.FindIndex(servers, s => s.Config.EndpointText == r))
                .Where(i => i >= 0)
                .ToArray();
            groups[n] = new ReplicationGroup(map.Nodes[n], byNode[n], replicas);
        }
        return groups;
    }

    private static int[] NodeIndices(RedisClusterSlotMap map, PoolServer[] servers)
    {
        var byNode = new int[map.Nodes.Count];
        for (var n = 0; n < byNode.Length; n++)
        {
            // A reload may have dropped a discovered node; its slots fall back until the next refresh adds it.
            byNode[n] = Array.FindIndex(servers, s => s is not null && s.Config.EndpointText == map.Nodes[n]);
        }
        return byNode;
    }
}
