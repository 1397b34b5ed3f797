using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.Stats;

namespace Sharpcracker.Engine;

/// <summary>
/// One backend server of a pool. Each worker has its own server_connections connections to it
/// (created by that worker on first use), so the server sees workers × server_connections
/// connections from the proxy.
/// </summary>
internal sealed class PoolServer
{
    // Per worker index: that worker's connections; written once by the owning worker, read by any thread.
    private readonly ServerConnection[]?[] _byWorker;
    // The same for clients of the other dialect (memcached binary, Redis RESP3; ServerDialect):
    // created on first use, never for traffic of the default dialect only.
    private readonly ServerConnection[]?[] _alternateByWorker;
    private readonly int _connectionsPerWorker;
    private readonly int _inflightLimit;
    private readonly ILogger _logger;

    /// <param name="poolConfig">The pool settings this server starts with (a config reload passes
    /// the new settings before the pool has switched to them).</param>
    /// <param name="stats">The counters of an earlier object for the same server, which go on from
    /// where they were (a server Sentinel named again); null for new counters.</param>
    public PoolServer(IPool pool, int index, ServerConfig config, ILogger logger, PoolConfig poolConfig, Stats.ServerStats? stats = null)
    {
        Pool = pool;
        Index = index;
        Config = config;
        _logger = logger;
        Health = new ServerHealth(poolConfig.AutoEjectHosts && ReplicationStatus.MayEject(poolConfig, config), poolConfig.ServerFailureLimit, poolConfig.ServerRetryTimeoutMs);
        Debug.Assert(stats is null || (stats.Pool == pool.Stats && stats.Name == config.Name), "counters are carried over only to the same server of the same pool");
        Stats = stats ?? new Stats.ServerStats(pool.Stats, config.Name);
        Stats.Replication = Replication;
        _byWorker = new ServerConnection[]?[pool.Workers?.Count ?? 1];
        _alternateByWorker = new ServerConnection[]?[_byWorker.Length];
        _connectionsPerWorker = Math.Max(1, poolConfig.ServerConnections);
        _inflightLimit = poolConfig.ServerInflightLimit;
    }

    public IPool Pool { get; }
    /// <summary>Position in the pool's current server list; a config reload may move a kept server (PoolTopology).</summary>
    public int Index { get; internal set; }
    /// <summary>A reload may change the name or weight of a kept server, never its endpoint.</summary>
    public ServerConfig Config { get; internal set; }
    public string Name => Config.Name;
    public Stats.ServerStats Stats { get; }

    /// <summary>server_connections: connections per worker.</summary>
    public int ConnectionsPerWorker => _connectionsPerWorker;

    /// <summary>Role, link and read/write counts in a replication group (docs/redis.md "Replication groups").</summary>
    public ReplicationStatus Replication { get; } = new();

    /// <summary>Failure count, back-off and ejection (docs/operations.md, "Failures and limits").</summary>
    public ServerHealth Health { get; }

    /// <summary>
    /// A connection to this server failed (not when the proxy closed it, nor an idle close by the
    /// server), after getting as far as <paramref name="loss"/>. Counts the failure and tells the
    /// pool, which rebuilds its continuum and starts probing when the failure ejected it.
    /// </summary>
    public void ReportFailure(ServerFailure failure, ServerConnectionLoss loss)
    {
        if (!Health.OnConnectionFailed(failure, loss, Environment.TickCount64))
        {
            Pool.ServerFailed(this, ejected: false);
            return;
        }
        _logger.ServerEjected(Pool.Name, Name, Pool.Config.ServerFailureLimit, failure.Text, Health.RetryTimeoutMs);
        Stats.Ejected();
        Pool.ServerFailed(this, ejected: true);
    }

    /// <summary>
    /// The worker's connection for a client. A client always uses the same connection to a
    /// server, so its requests reach the server in the order it sent them (a set then a get from
    /// one client must not be reordered). Worker thread only.
    /// </summary>
    public ServerConnection ConnectionFor(Worker worker, long clientId, ServerDialect dialect = ServerDialect.Default)
    {
        var connections = dialect == ServerDialect.Default
            ? _byWorker[worker.Index] ?? CreateConnections(worker)
            : _alternateByWorker[worker.Index] ?? CreateConnections(worker, _alternateByWorker, ServerDialect.Alternate);
        return connections.Length == 1 ? connections[0] : connections[(int)((ulong)clientId % (ulong)connections.Length)];
    }

    private ServerConnection[] CreateConnections(Worker worker) => CreateConnections(worker, _byWorker, ServerDialect.Default);

    private ServerConnection[] CreateConnections(Worker worker, ServerConnection[]?[] byWorker, ServerDialect dialect)
    {
        var connections = new ServerConnection[_connectionsPerWorker];
        for (var i = 0; i < connections.Length; i++)
        {
            connections[i] = new ServerConnection(this, worker, _logger, _inflightLimit, dialect);
        }
        Volatile.Write(ref byWorker[worker.Index], connections);
        return connections;
    }

    /// <summary>Both dialects' connections, per worker.</summary>
    private IEnumerable<ServerConnection[]?> AllByWorker => _byWorker.Concat(_alternateByWorker);

    /// <summary>Worker thread: this worker's connections, creating them if needed.</summary>
    public ServerConnection[] ConnectionsOf(Worker worker) => _byWorker[worker.Index] ?? CreateConnections(worker);

    /// <summary>Any thread: every connection created so far, over all workers (stats).</summary>
    public int ConnectionCount
    {
        get
        {
            var count = 0;
            foreach (var connections in AllByWorker)
            {
                count += connections?.Length ?? 0;
            }
            return count;
        }
    }

    /// <summary>Any thread: no request waits for a reply on any worker's connection.</summary>
    public bool IsIdle
    {
        get
        {
            foreach (var connections in AllByWorker)
            {
                if (connections is null)
                {
                    continue;
                }
                foreach (var connection in connections)
                {
                    if (!connection.IsIdle)
                    {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    /// <summary>Any thread: opens every worker's connections ahead of traffic.</summary>
    public void Preconnect()
    {
        if (Pool.Workers is not { } workers)
        {
            return;
        }
        foreach (var worker in workers.All)
        {
            worker.Post(() =>
            {
                foreach (var connection in ConnectionsOf(worker))
                {
                    connection.Preconnect();
                }
            });
        }
    }

    /// <summary>
    /// Any thread: every worker fails the requests in flight on its connections to this server with
    /// <paramref name="reason"/> and drops them (a master switch); later requests reconnect.
    /// </summary>
    public void ResetConnections(string reason)
    {
        var failure = ServerFailure.Reset(reason);
        if (Pool.Workers is not { } workers)
        {
            return;
        }
        foreach (var worker in workers.All)
        {
            worker.Post(() =>
            {
                foreach (var byWorker in new[] { _byWorker, _alternateByWorker })
                {
                    if (byWorker[worker.Index] is { } connections)
                    {
                        foreach (var connection in connections)
                        {
                            connection.Reset(failure);
                        }
                    }
                }
            });
        }
    }

    /// <summary>Any thread: closes every worker's connections (on their workers); completes when all have.</summary>
    public Task CloseAsync()
    {
        if (Pool.Workers is not { } workers)
        {
            return Task.CompletedTask;
        }
        return Task.WhenAll(workers.All.Select(worker => worker.InvokeAsync(() =>
        {
            foreach (var byWorker in new[] { _byWorker, _alternateByWorker })
            {
                if (byWorker[worker.Index] is { } connections)
                {
                    foreach (var connection in connections)
                    {
                        connection.Close();
                    }
                }
            }
        })));
    }
}
