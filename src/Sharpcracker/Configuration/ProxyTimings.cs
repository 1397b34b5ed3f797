namespace Sharpcracker.Configuration;

/// <summary>
/// How long the proxy waits or how often it polls where no twemproxy key says so: one immutable
/// object per host, handed down to its pools and their control plane (the options pattern of
/// Kestrel), never a static. The defaults are what runs in production; tests shorten them by
/// passing their own (<c>ProxyTimings.Default with { … }</c>).
/// </summary>
internal sealed record ProxyTimings
{
    public static ProxyTimings Default { get; } = new();

    /// <summary>How often --watch-config looks at the files; a change is applied once two looks agree (debounce).</summary>
    public TimeSpan ConfigWatchInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a removed pool's clients have to receive replies to what they already sent.</summary>
    public TimeSpan RemovedPoolCloseDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long clients have at shutdown to receive replies to what they already sent (--drain-seconds).</summary>
    public TimeSpan ShutdownDrainDeadline { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a server removed by a reload keeps its connections for the requests in flight.</summary>
    public TimeSpan RemovedServerDrainDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Replication groups: how often each server's ROLE is checked.</summary>
    public TimeSpan ReplicationCheckInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Sentinel pools: how often the sentinels are asked, besides their events.</summary>
    public TimeSpan SentinelPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Sentinel pools: writes to a group wait this long after a failover for the new master to settle.</summary>
    public TimeSpan SentinelFailoverWritePause { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Redis Cluster pools: how long a discovered node may be missing from every slot map before it leaves the server list.</summary>
    public TimeSpan ClusterDepartedNodeGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>moxi -z url= streams: the first and the longest wait before reconnecting (doubling in between).</summary>
    public TimeSpan VBucketStreamInitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc cref="VBucketStreamInitialBackoff"/>
    public TimeSpan VBucketStreamMaxBackoff { get; init; } = TimeSpan.FromSeconds(10);
}
