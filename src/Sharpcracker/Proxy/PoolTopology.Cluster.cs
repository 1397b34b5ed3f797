using Sharpcracker.Distribution;

namespace Sharpcracker.Proxy;

/// <summary>
/// A redis_cluster pool's routing: slot → the index in <see cref="Servers"/> of the slot's master,
/// resolved once per snapshot from the endpoints of the <see cref="RedisClusterSlotMap"/>.
/// </summary>
internal sealed partial class PoolTopology
{
    // Where a slot without a known master goes: a node answers it with MOVED (followed, and the
    // map refreshed) or "CLUSTERDOWN Hash slot not served", exactly as the cluster sees it.
    private readonly int _clusterFallback;

    /// <summary>distribution redis_cluster: the slot map this snapshot routes with; null otherwise.</summary>
    public RedisClusterSlotMap? ClusterMap { get; }

    /// <summary>Index into <see cref="Servers"/> of the slot's master (or of a node that will say where it is).</summary>
    public int RouteSlot(int slot) => _slotServers![slot] is var index and >= 0 ? index : _clusterFallback;

    /// <summary>The server whose endpoint is <paramref name="endpoint"/> ("host:port"), or null.</summary>
    public BackendServer? ServerAt(string endpoint)
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

    private static int[] ResolveSlots(RedisClusterSlotMap map, BackendServer[] servers, out int fallback)
    {
        var byNode = new int[map.Nodes.Count];
        for (var n = 0; n < byNode.Length; n++)
        {
            // A reload may have dropped a discovered node; its slots fall back until the next refresh adds it.
            byNode[n] = Array.FindIndex(servers, s => s is not null && s.Config.EndpointText == map.Nodes[n]);
        }
        fallback = byNode.FirstOrDefault(i => i >= 0, 0);
        var slots = new int[RedisClusterSlotMap.SlotCount];
        for (var slot = 0; slot < slots.Length; slot++)
        {
            var owner = map.OwnerIndex(slot);
            slots[slot] = owner < 0 ? -1 : byNode[owner];
        }
        return slots;
    }
}
