using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Routing;

namespace Sharpcracker.Pools;

/// <summary>
/// A redis_cluster pool: its server list is the configured seeds plus every node a slot map has
/// named since (masters; replicas too when the read policy may send reads to them) (discovered at run time; a new <see cref="PoolServer"/> each, whose per-worker
/// connections are created lazily on first use like any server's). A new map — from a refresh or
/// a MOVED — is published as a new <see cref="PoolTopology"/> with one reference write.
/// </summary>
internal sealed partial class ServerPool
{
    // Discovered nodes the map in use does not name, and since when (Environment.TickCount64). Monitor thread only.
    private readonly Dictionary<PoolServer, long> _absentSince = [];

    /// <summary>
    /// Any thread: routes with <paramref name="map"/> from now on (a refresh). Nodes the pool does
    /// not know yet become servers (also when the map is unchanged: a reload may have turned replica
    /// reads on). False when the map is the one in use.
    /// </summary>
    public bool ApplyClusterMap(RedisClusterSlotMap map) => PublishClusterMap(_ => map);

    /// <summary>Any thread (a worker on MOVED): the slot now belongs to <paramref name="master"/>. False when the map already said so.</summary>
    public bool ApplyMoved(int slot, string master) => PublishClusterMap(current => current.WithSlot(slot, master));

    /// <summary>
    /// Any thread: the server for a cluster node, added to the pool when no map named it yet (an ASK
    /// to a node that is importing its first slots). Null for an endpoint that cannot be parsed.
    /// </summary>
    public PoolServer? ClusterServer(string endpoint)
    {
        if (_topology.ServerAt(endpoint) is { } known)
        {
            return known;
        }
        PublishClusterMap(map => map, endpoint, scanNodes: true);
        return _topology.ServerAt(endpoint);
    }

    /// <param name="scanNodes">Look for wanted nodes that are not servers even when the map is unchanged (a reload, an ASK target).</param>
    private bool PublishClusterMap(Func<RedisClusterSlotMap, RedisClusterSlotMap> next, string? extraNode = null, bool scanNodes = false)
    {
        List<PoolServer> added = [];
        bool newMap;
        lock (_topologyLock)
        {
            var current = _topology;
            if (current.ClusterMap is not { } old)
            {
                return false; // a reload turned the pool into another kind
            }
            var map = next(old);
            var changed = !ReferenceEquals(map, old) && !map.SameAs(old);
            if (!changed && !scanNodes)
            {
                return false; // the common MOVED during a migration: the map already says so
            }
            // Replicas become servers only when reads may go to them (no idle connections otherwise).
            var wanted = current.Config.RoutesReads ? map.AllNodes : map.Nodes;
            var missing = (extraNode is null ? wanted : [.. wanted, extraNode]).Where(n => current.ServerAt(n) is null).ToList();
            if (!changed && missing.Count == 0)
            {
                return false;
            }
            var servers = current.Servers.ToList();
            foreach (var node in missing)
            {
                if (servers.All(s => s.Config.EndpointText != node) && ServerConfig.FromEndpoint(node) is { } config)
                {
                    var server = new PoolServer(this, servers.Count, config, _logger, current.Config);
                    servers.Add(server);
                    added.Add(server);
                }
            }
            _topology = NewTopology(current.Config, [.. servers], _isLive, changed ? map : old);
            LabelClusterGroups(_topology);
            if (added.Count > 0)
            {
                Stats.SetServers(servers.Select(s => s.Stats));
            }
            newMap = changed;
        }
        foreach (var server in added)
        {
            _logger.ClusterNodeDiscovered(Name, server.Config.EndpointText);
            if (Config.Preconnect)
            {
                server.Preconnect();
            }
        }
        return newMap;
    }

    /// <summary>
    /// Cluster monitor thread, after each map it read: a discovered node (not a configured seed)
    /// that no map has named for <paramref name="graceMs"/> leaves the server list, and its
    /// connections close once their requests are answered. A node named again later comes back
    /// as a new server.
    /// </summary>
    internal void ForgetDepartedNodes(long now, long graceMs)
    {
        List<PoolServer> removed = [];
        lock (_topologyLock)
        {
            var current = _topology;
            if (current.ClusterMap is not { } map)
            {
                return;
            }
            var wanted = (current.Config.RoutesReads ? map.AllNodes : map.Nodes).Concat(current.Config.Servers.Select(s => s.EndpointText)).ToHashSet();
            foreach (var server in current.Servers)
            {
                if (wanted.Contains(server.Config.EndpointText))
                {
                    _absentSince.Remove(server);
                }
                else if (_absentSince.TryAdd(server, now))
                {
                    continue;
                }
                else if (now - _absentSince[server] >= graceMs)
                {
                    removed.Add(server);
                }
            }
            foreach (var gone in _absentSince.Keys.Where(s => Array.IndexOf(current.Servers, s) < 0 || removed.Contains(s)).ToList())
            {
                _absentSince.Remove(gone);
            }
            if (removed.Count == 0)
            {
                return;
            }
            PoolServer[] servers = [.. current.Servers.Where(s => !removed.Contains(s))];
            for (var i = 0; i < servers.Length; i++)
            {
                servers[i].Index = i; // cosmetic (INFO); snapshots hold their own arrays
            }
            _topology = NewTopology(current.Config, servers, _isLive, map);
            LabelClusterGroups(_topology);
            Stats.SetServers(servers.Select(s => s.Stats));
        }
        foreach (var server in removed)
        {
            _logger.ClusterNodeRemoved(Name, server.Config.EndpointText, graceMs / 1000);
        }
        CloseRemoved(removed);
    }

    /// <summary>
    /// Under a replica read policy: each node's group in the stats is the endpoint of the master it
    /// serves with (its own for a master), as the last map said.
    /// </summary>
    private static void LabelClusterGroups(PoolTopology topology)
    {
        foreach (var group in topology.ClusterGroups ?? [])
        {
            if (group.Master >= 0)
            {
                topology.Servers[group.Master].Replication.Group = group.Name;
            }
            foreach (var replica in group.Replicas)
            {
                topology.Servers[replica].Replication.Group = group.Name;
            }
        }
    }
}
