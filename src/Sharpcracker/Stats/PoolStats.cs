namespace Sharpcracker.Stats;

/// <summary>
/// twemproxy's per-pool counters and the pool's servers' counters, in the pool's server order.
/// Registered in <see cref="StatsRegistry"/> while the pool runs. All counters are interlocked.
/// </summary>
internal sealed class PoolStats : IDisposable
{
    private long _clientEof;
    private long _clientErr;
    private long _clientConnections;
    private long _clientsAccepted;
    private long _serverEjects;
    private long _forwardError;

    public PoolStats(string name, IEnumerable<string> serverNames, bool register = true)
    {
        Name = name;
        _servers = serverNames.Select(n => new ServerStats(this, n)).ToArray();
        if (register)
        {
            StatsRegistry.Add(this);
        }
    }

    public string Name { get; }

    /// <summary>A redis_cluster pool's refresh and redirect counters; null for other pools.</summary>
    public ClusterStats? Cluster { get; set; }
    /// <summary>The pool's current servers' counters, in the pool's server order (swapped whole on a config reload).</summary>
    public IReadOnlyList<ServerStats> Servers => Volatile.Read(ref _servers);

    /// <summary>A reload changed the server list: kept servers keep their counters, removed ones drop out of the reports.</summary>
    public void SetServers(IEnumerable<ServerStats> servers) => Volatile.Write(ref _servers, servers.ToArray());

    private ServerStats[] _servers;

    /// <summary>A client connection was accepted (after the client_connections check).</summary>
    public void ClientOpened()
    {
        Interlocked.Increment(ref _clientsAccepted);
        Interlocked.Increment(ref _clientConnections);
    }

    /// <summary>An accepted client connection ended normally (the client closed or quit).</summary>
    public void ClientEof()
    {
        Interlocked.Increment(ref _clientEof);
        Interlocked.Decrement(ref _clientConnections);
    }

    /// <summary>An accepted client connection ended with an error (reset, failed write).</summary>
    public void ClientError()
    {
        Interlocked.Increment(ref _clientErr);
        Interlocked.Decrement(ref _clientConnections);
    }

    public void ServerEjected() => Interlocked.Increment(ref _serverEjects);

    /// <summary>Requests answered with an error because they could not be forwarded or their server failed.</summary>
    public void ForwardErrors(int count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _forwardError, count);
        }
    }

    /// <summary>A split request got <paramref name="count"/> fragments, counted by a worker on its own thread (no interlocked operation per request).</summary>
    public void FragmentsCreated(int worker, int count) => _fragmentsByWorker.Add(worker, count);

    private readonly PerWorkerCounter _fragmentsByWorker = new();

    /// <summary>TLS handshakes with the pool's clients (its listener).</summary>
    public TlsCounters ClientTls { get; } = new();

    /// <summary>TLS handshakes on the pool's server connections.</summary>
    public TlsCounters ServerTls { get; } = new();

    public long ClientEofCount => Interlocked.Read(ref _clientEof);
    public long ClientErrCount => Interlocked.Read(ref _clientErr);
    public long ClientConnections => Interlocked.Read(ref _clientConnections);
    public long ClientsAccepted => Interlocked.Read(ref _clientsAccepted);
    public long ServerEjects => Interlocked.Read(ref _serverEjects);
    public long ForwardError => Interlocked.Read(ref _forwardError);
    public long Fragments => _fragmentsByWorker.Sum;

    // Replication groups (docs/redis.md "Replication groups"): shown only for pools that have them.
    private long _failovers;

    /// <summary>A Redis pool: its servers show their dedicated connections (blocking commands, transactions, subscriptions).</summary>
    public bool Redis { get; set; }

    /// <summary>The pool has replication groups (a <c>master</c> server or <c>sentinels:</c>).</summary>
    public bool Replicated { get; set; }

    /// <summary>Master switches followed (Sentinel pools).</summary>
    public long Failovers => Interlocked.Read(ref _failovers);

    public void FailoverSeen() => Interlocked.Increment(ref _failovers);

    public void Dispose() => StatsRegistry.Remove(this);
}
