using Microsoft.Extensions.Logging;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Routing;

namespace Sharpcracker.ControlPlane;

/// <summary>
/// One pool's control plane: the Redis Cluster slot map refresher, the ROLE checks of replication
/// groups, Sentinel discovery, the probes of ejected servers and the active health checks. Thread pool only: a worker's call
/// (<see cref="RequestClusterRefresh"/>, <see cref="Moved"/>, <see cref="ProbeUntilReadmitted"/>)
/// only queues work and returns, so no request waits on a lock or a control connection.
/// </summary>
internal sealed class PoolControlPlane : IPoolControl
{
    private readonly ServerPool _pool;
    private readonly ILogger _logger;
    private readonly Lock _gate = new(); // ConfigApplied (a reload) against start-up
    private RedisClusterMonitor? _cluster;
    private SentinelDiscovery? _sentinel;
    private ActiveHealthCheck? _healthCheck;

    private PoolControlPlane(ServerPool pool, ILogger logger)
    {
        _pool = pool;
        _logger = logger;
    }

    /// <summary>Builds the pool's control plane, attaches it and starts what the pool needs (nothing for a pool without workers).</summary>
    public static PoolControlPlane AttachTo(ServerPool pool, ILogger logger)
    {
        var control = new PoolControlPlane(pool, logger);
        pool.Attach(control);
        if (pool.Workers is not null)
        {
            control.StartClusterMonitorIfNeeded();
            control.StartHealthCheckIfNeeded();
            if (pool.Config.Redis)
            {
                // Replication groups: ROLE checks, and Sentinel discovery for Sentinel pools (idle otherwise).
                ReplicationMonitor.Start(pool, logger);
                control._sentinel = SentinelDiscovery.Start(pool, logger);
            }
        }
        return control;
    }

    public void ProbeUntilReadmitted(PoolServer server)
        => _ = HealthProbe.ProbeUntilReadmittedAsync(_pool, server, _logger, _pool.Stopping);

    public void RequestClusterRefresh() => Volatile.Read(ref _cluster)?.RequestRefresh();

    public void Moved(int slot, string master)
    {
        if (Volatile.Read(ref _cluster) is not { } cluster)
        {
            return;
        }
        // Off the worker: the map update takes the pool's topology lock.
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            var (control, monitor, slot, master) = state;
            if (control._pool.ApplyMoved(slot, master))
            {
                monitor.Stats.MapChanged();
            }
            monitor.RequestRefresh();
        }, (this, cluster, slot, master), preferLocal: false);
    }

    public void ConfigApplied()
    {
        if (_pool.Workers is not null)
        {
            StartClusterMonitorIfNeeded();
            StartHealthCheckIfNeeded();
        }
        _sentinel?.Wake();
    }

    /// <summary>A pool with health_check_interval gets its checker once (at start, or when a reload set the key); it idles while the key is unset.</summary>
    private void StartHealthCheckIfNeeded()
    {
        lock (_gate)
        {
            if (_healthCheck is null && _pool.Config.HealthCheckIntervalMs is not null)
            {
                _healthCheck = ActiveHealthCheck.Start(_pool, _logger);
            }
        }
    }

    /// <summary>A redis_cluster pool gets its refresher once (at start, or when a reload made it a cluster pool).</summary>
    private void StartClusterMonitorIfNeeded()
    {
        lock (_gate)
        {
            if (_cluster is not null || _pool.Config.Distribution != DistributionKind.RedisCluster)
            {
                return;
            }
            var cluster = new RedisClusterMonitor(_pool, _logger);
            Volatile.Write(ref _cluster, cluster);
            cluster.Start(_pool.Stopping);
        }
    }
}
