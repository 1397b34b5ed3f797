namespace Sharpcracker.Stats;

/// <summary>
/// A redis_cluster pool's own counters: slot map refreshes and redirects. Rare events (a
/// redirect happens only while the proxy's map is behind the cluster's), so interlocked.
/// </summary>
internal sealed class ClusterStats
{
    private long _refreshes;
    private long _refreshFailures;
    private long _mapChanges;
    private long _moved;
    private long _ask;
    private long _redirectLimit;

    /// <summary>A CLUSTER SLOTS answer was read (whether or not the map changed).</summary>
    public void Refreshed() => Interlocked.Increment(ref _refreshes);

    /// <summary>No node answered CLUSTER SLOTS in one refresh round.</summary>
    public void RefreshFailed() => Interlocked.Increment(ref _refreshFailures);

    /// <summary>A refresh or a MOVED changed where some slot is routed.</summary>
    public void MapChanged() => Interlocked.Increment(ref _mapChanges);

    public void Moved() => Interlocked.Increment(ref _moved);

    public void Ask() => Interlocked.Increment(ref _ask);

    /// <summary>A request was redirected as often as allowed; the last redirect reached the client.</summary>
    public void RedirectLimitReached() => Interlocked.Increment(ref _redirectLimit);

    public long Refreshes => Interlocked.Read(ref _refreshes);
    public long RefreshFailures => Interlocked.Read(ref _refreshFailures);
    public long MapChanges => Interlocked.Read(ref _mapChanges);
    public long MovedCount => Interlocked.Read(ref _moved);
    public long AskCount => Interlocked.Read(ref _ask);
    public long RedirectLimitCount => Interlocked.Read(ref _redirectLimit);

    /// <summary>Name and value of every counter, in report order (stats port, INFO, /metrics).</summary>
    public IEnumerable<(string Name, long Value)> Counters()
    {
        yield return ("cluster_refreshes", Refreshes);
        yield return ("cluster_refresh_failures", RefreshFailures);
        yield return ("cluster_map_changes", MapChanges);
        yield return ("cluster_moved", MovedCount);
        yield return ("cluster_ask", AskCount);
        yield return ("cluster_redirect_limit", RedirectLimitCount);
    }
}
