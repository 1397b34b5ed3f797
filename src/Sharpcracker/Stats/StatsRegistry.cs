namespace Sharpcracker.Stats;

/// <summary>
/// The pools whose counters the stats port, /metrics, the Meter and the memcached "stats"
/// command report, in the order they were created (the config's pool order). Pools come and
/// go rarely (start, reload, stop), so it is a copy-on-write array: readers never lock.
/// </summary>
internal static class StatsRegistry
{
    private static readonly object s_lock = new();
    private static PoolStats[] s_pools = [];

    public static IReadOnlyList<PoolStats> Pools => Volatile.Read(ref s_pools);

    public static void Add(PoolStats pool)
    {
        lock (s_lock)
        {
            s_pools = [.. s_pools, pool];
        }
    }

    public static void Remove(PoolStats pool)
    {
        lock (s_lock)
        {
            s_pools = s_pools.Where(p => !ReferenceEquals(p, pool)).ToArray();
        }
    }
}
