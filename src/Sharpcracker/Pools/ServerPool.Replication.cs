using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;

namespace Sharpcracker.Pools;

/// <summary>Replication groups of a pool: Sentinel's topology changes and reloads of a Sentinel pool.</summary>
internal sealed partial class ServerPool
{

    /// <summary>
    /// Sentinel discovery: a new server list and groups (a master switch, replicas found or lost).
    /// False when <paramref name="expected"/> is no longer current (a reload or an ejection came
    /// first): nothing changes and the caller retries from the new topology.
    /// </summary>
    public bool PublishReplication(PoolTopology expected, PoolServer[] servers, ReplicationGroup[] groups)
    {
        lock (_topologyLock)
        {
            if (_topology != expected)
            {
                return false;
            }
            for (var i = 0; i < servers.Length; i++)
            {
                servers[i].Index = i;
            }
            _topology = NewTopology(expected.Config, servers, _isLive, sentinelGroups: groups);
            Stats.SetServers(servers.Select(s => s.Stats));
            return true;
        }
    }

    /// <summary>Closes servers no longer in the topology once their requests are answered.</summary>
    public void CloseRemoved(List<PoolServer> removed)
    {
        if (removed.Count > 0)
        {
            _ = DrainAndCloseAsync(removed, Timings.RemovedServerDrainDeadline);
        }
    }

    /// <summary>
    /// A reload to a Sentinel pool: the servers stay those Sentinel named (the addresses in the
    /// file are not used); the groups are kept when the names are unchanged, otherwise the pool has
    /// no master until the next discovery round (started at once).
    /// </summary>
    private List<string> ApplySentinelConfig(PoolConfig config)
    {
        var changes = new List<string>();
        List<PoolServer> removed = [];
        lock (_topologyLock)
        {
            var old = _topology;
            var sameGroups = old.Config.Replication == ReplicationMode.Sentinel
                && old.Config.Servers.Select(s => (s.Name, s.Weight)).SequenceEqual(config.Servers.Select(s => (s.Name, s.Weight)));
            var servers = sameGroups ? old.Servers : [];
            if (!sameGroups)
            {
                removed = [.. old.Servers];
                changes.Add("sentinel groups " + string.Join(",", config.Servers.Select(s => s.Name)));
            }
            if (old.Config.Sentinels is null || !old.Config.Sentinels.Select(s => s.EndpointText).SequenceEqual(config.Sentinels!.Select(s => s.EndpointText)))
            {
                changes.Add("sentinels " + string.Join(",", config.Sentinels!.Select(s => s.EndpointText)));
            }
            DescribePoolChanges(old.Config, config, changes);
            _topology = NewTopology(config, servers, _isLive, sentinelGroups: sameGroups ? old.SentinelGroups : null);
            foreach (var server in servers)
            {
                server.Health.Reconfigure(config.AutoEjectHosts, config.ServerFailureLimit, config.ServerRetryTimeoutMs);
            }
            Stats.SetServers(servers.Select(s => s.Stats));
        }
        CloseRemoved(removed);
        Control?.ConfigApplied(); // Sentinel asks again now
        _logger.SentinelPoolReconfigured(Name);
        return changes;
    }
}
