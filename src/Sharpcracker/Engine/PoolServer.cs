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
    // Dedicated connections (docs/redis.md "Dedicated connections"), per worker: every one open
    // (idle or lent), the idle ones by dialect, and the counters of closed ones for the next.
    // Each worker touches only its own entries; _dedicatedOpen counts every worker's (Interlocked).
    private readonly HashSet<ServerConnection>?[] _dedicated;
    private readonly Stack<ServerConnection>?[] _idleDedicated;
    private readonly Stack<Stats.ConnectionStats>?[] _retiredDedicatedStats;
    private readonly int _dedicatedLimit;
    private int _dedicatedOpen;
    private volatile bool _closed;
    /// <summary>Idle dedicated connections a worker keeps per dialect; more are closed when given back.</summary>
    private const int IdleDedicatedKept = 16;

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
        _dedicated = new HashSet<ServerConnection>?[_byWorker.Length];
        _idleDedicated = new Stack<ServerConnection>?[_byWorker.Length * 2];
        _retiredDedicatedStats = new Stack<Stats.ConnectionStats>?[_byWorker.Length];
        _dedicatedLimit = poolConfig.DedicatedConnections;
    }

    /// <summary>Any thread: dedicated connections open to this server, idle or lent, over all workers.</summary>
    public int DedicatedCount => Volatile.Read(ref _dedicatedOpen);

    /// <summary>dedicated_connections: the most this server may have open at once over all workers.</summary>
    public int DedicatedLimit => _dedicatedLimit;

    /// <summary>
    /// Worker thread: a connection to this server that one client uses alone (a blocking command, a
    /// transaction, a subscription) until it gives it back with <see cref="ReturnDedicated"/> or
    /// closes it with <see cref="CloseDedicated"/>. An idle one of the worker is reused; null when
    /// dedicated_connections are open already.
    /// </summary>
    public ServerConnection? RentDedicated(Worker worker, ServerDialect dialect)
    {
        if (_idleDedicated[IdleIndex(worker, dialect)] is { Count: > 0 } idle)
        {
            return idle.Pop();
        }
        if (Interlocked.Increment(ref _dedicatedOpen) > _dedicatedLimit)
        {
            Interlocked.Decrement(ref _dedicatedOpen);
            return null;
        }
        // Counters of a closed dedicated connection are reused: clients that come and go never grow the stats.
        var retired = _retiredDedicatedStats[worker.Index];
        var stats = retired is { Count: > 0 } ? retired.Pop() : null;
        var connection = new ServerConnection(this, worker, _logger, _inflightLimit, dialect, stats, dedicated: true);
        (_dedicated[worker.Index] ??= []).Add(connection);
        Stats.DedicatedOpened();
        return connection;
    }

    /// <summary>
    /// Worker thread: a dedicated connection its client is done with, that holds no state of that
    /// client on the server (no block, transaction or WATCH pending): kept idle for the next, or
    /// closed when it failed, enough are idle, half the limit is open, or the server left the pool.
    /// </summary>
    public void ReturnDedicated(ServerConnection connection)
    {
        Debug.Assert(connection.IsDedicated && connection.Server == this, "a dedicated connection of this server");
        var idle = _idleDedicated[IdleIndex(connection.Worker, connection.Dialect)] ??= new Stack<ServerConnection>();
        // Idle ones count against dedicated_connections and other workers cannot use them: kept
        // only while fewer than half of the limit are open, so they never starve another worker.
        if (_closed || !connection.IsIdle || connection.State != ServerConnectionState.Connected || idle.Count >= IdleDedicatedKept
            || DedicatedCount * 2 > _dedicatedLimit)
        {
            CloseDedicated(connection);
            return;
        }
        idle.Push(connection);
    }

    /// <summary>
    /// Worker thread: closes a dedicated connection (its client left while blocked or inside a
    /// transaction: the connection holds that client's state and is never reused).
    /// </summary>
    public void CloseDedicated(ServerConnection connection)
    {
        Debug.Assert(connection.IsDedicated && connection.Server == this, "a dedicated connection of this server");
        if (_dedicated[connection.Worker.Index]?.Remove(connection) != true)
        {
            return; // closed already (the server left the pool)
        }
        connection.Close();
        Interlocked.Decrement(ref _dedicatedOpen);
        Stats.DedicatedClosed();
        (_retiredDedicatedStats[connection.Worker.Index] ??= new Stack<Stats.ConnectionStats>()).Push(connection.Counters);
    }

    private static int IdleIndex(Worker worker, ServerDialect dialect) => worker.Index * 2 + (int)dialect;

    /// <summary>Worker thread: the worker's dedicated connections, idle ones closed, lent ones reset with <paramref name="failure"/>.</summary>
    private void ResetDedicated(Worker worker, ServerFailure failure, bool close)
    {
        for (var d = 0; d < 2; d++)
        {
            if (_idleDedicated[worker.Index * 2 + d] is { } idle)
            {
                while (idle.TryPop(out var connection))
                {
                    CloseDedicated(connection);
                }
            }
        }
        if (_dedicated[worker.Index] is not { Count: > 0 } lent)
        {
            return;
        }
        foreach (var connection in lent.ToArray())
        {
            if (close)
            {
                CloseDedicated(connection); // its client's request fails with the proxy's close reason
            }
            else
            {
                connection.Reset(failure);
            }
        }
    }

    public IPool Pool { get; }
    /// <summary>Position in the pool's current server list; a config reload may move a kept server (PoolTopology).</summary>
    public int Index { get; internal set; }
    /// <summary>A reload may change the name or weight of a kept server, never its endpoint.</summary>
    public ServerConfig Config { get; internal set; }

    private ServerMissedWrites? _missedWrites;

    /// <summary>Set while routes hold this server out because it missed writes (docs/routes.md); null otherwise. One volatile read on the routed request path.</summary>
    public ServerMissedWrites? MissedWrites => Volatile.Read(ref _missedWrites);

    /// <summary>Removed by a reload or shut down: the missed-writes cleaner stops.</summary>
    public bool IsClosed => _closed;

    /// <summary>
    /// Any thread: holds the server out of routes until the keys it missed are deleted on it;
    /// the first hold starts the cleaner (<see cref="ServerMissedWrites.CleanAsync"/>).
    /// </summary>
    public ServerMissedWrites HoldForMissedWrites()
    {
        if (Volatile.Read(ref _missedWrites) is { } current)
        {
            return current;
        }
        var created = new ServerMissedWrites(this);
        if (Interlocked.CompareExchange(ref _missedWrites, created, null) is { } won)
        {
            return won;
        }
        _logger.ServerHeldForMissedWrites(Pool.Name, Name);
        _ = Task.Run(() => created.CleanAsync(_logger, CancellationToken.None));
        return created;
    }

    /// <summary>Any thread: records that <paramref name="key"/> was written elsewhere while this server failed (empty: the hold alone).</summary>
    public void MissedWrite(ReadOnlySpan<byte> key)
    {
        if (Pool.Config.ServerTls is not null)
        {
            return; // the cleaner speaks plaintext: a TLS server is never held (docs/routes.md)
        }
        while (!HoldForMissedWrites().TryAdd(key))
        {
            // The cleaner released that hold between the read and the add: hold again.
        }
    }

    /// <summary>The cleaner, once no key is left: routes use the server again.</summary>
    internal void ReleaseMissedWrites(ServerMissedWrites log) => Interlocked.CompareExchange(ref _missedWrites, null, log);
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
                ResetDedicated(worker, failure, close: false);
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
        _closed = true;
        return Task.WhenAll(workers.All.Select(worker => worker.InvokeAsync(() =>
        {
            ResetDedicated(worker, ServerFailure.ClosedByProxy, close: true);
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
