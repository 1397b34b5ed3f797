namespace Sharpcracker.Pools;

/// <summary>
/// The servers a command about the whole keyspace goes to (Redis SCAN, KEYS, DBSIZE, FLUSHALL,
/// SCRIPT LOAD, …; docs/redis.md "Keyspace across servers"), as indices into <see cref="Servers"/>.
/// Computed once per snapshot on first use (a benign race: every thread computes the same array).
/// </summary>
internal sealed partial class PoolTopology
{
    private int[]? _shardMasters;
    private int[]? _everyServer;

    /// <summary>
    /// One server per shard, in a fixed order: every server of a plain pool (config order), each
    /// replication group's master, each master of a redis_cluster pool's slot map. -1 where a
    /// shard has no known master (Sentinel before discovery, a cluster node not yet a server).
    /// </summary>
    public int[] ShardMasters => _shardMasters ??= ComputeShardMasters();

    /// <summary>Every server that holds data: masters and their replicas (a redis_cluster pool's map nodes); never -1.</summary>
    public int[] EveryServer => _everyServer ??= ComputeEveryServer();

    private int[] ComputeShardMasters()
    {
        if (ClusterMap is { } map)
        {
            return NodeIndices(map, Servers);
        }
        if (_groups is not null)
        {
            return [.. _groups.Select(g => g.Master)];
        }
        return [.. Enumerable.Range(0, Servers.Length)];
    }

    private int[] ComputeEveryServer()
    {
        if (ClusterMap is { } map)
        {
            return [.. map.AllNodes.Select(node => Array.FindIndex(Servers, s => s is not null && s.Config.EndpointText == node)).Where(i => i >= 0)];
        }
        if (_groups is not null)
        {
            return [.. _groups.SelectMany(g => g.Replicas.Prepend(g.Master)).Where(i => i >= 0).Distinct()];
        }
        return ShardMasters;
    }
}
