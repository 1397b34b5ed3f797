using Sharpcracker.Engine;

namespace Sharpcracker.Pools;

/// <summary>
/// A pool's control plane (ControlPlane/PoolControlPlane implements it): everything that runs off
/// the workers — the Redis Cluster slot map refresher, ROLE checks, Sentinel discovery, probes of
/// ejected servers. The pool only asks; each call returns at once and the work happens on the
/// thread pool, which publishes its results as new <see cref="PoolTopology"/> snapshots. Pools
/// does not depend on ControlPlane: the host attaches one to each pool it serves.
/// </summary>
internal interface IPoolControl
{
    /// <summary>A server was ejected (auto_eject_hosts): probe it every server_retry_timeout until it answers, then put it back.</summary>
    void ProbeUntilReadmitted(PoolServer server);

    /// <summary>A cluster node failed or answered MOVED: read the slot map soon. Nothing for other pools.</summary>
    void RequestClusterRefresh();

    /// <summary>
    /// A redirect said <paramref name="slot"/> now belongs to <paramref name="master"/>: the pool's map
    /// is updated off the worker (no topology lock on the request path). Nothing for other pools.
    /// </summary>
    void Moved(int slot, string master);

    /// <summary>A reload switched the pool to new settings: start what it now needs (a pool that became a cluster pool), wake what must look again.</summary>
    void ConfigApplied();
}
