using System.Diagnostics;
using Sharpcracker.Common;
using Sharpcracker.Engine;

namespace Sharpcracker.Stats;

/// <summary>
/// twemproxy's per-server counters plus request latency per command class. Every counter is an
/// interlocked long (several server connections and client threads update one server); queue
/// gauges and the connected flag live in each connection's <see cref="ConnectionStats"/> and
/// are summed when read.
/// </summary>
internal sealed class ServerStats
{
    private readonly object _connectionsLock = new();
    private readonly KeyValuePair<string, object?> _poolTag;
    private readonly KeyValuePair<string, object?> _serverTag;
    private ConnectionStats[] _connections = [];
    private long _serverEof;
    private long _serverErr;
    private long _serverTimedOut;
    private long _ejectedAtMicros;
    private long _connectionsOpened;
    private long _lastCheckAnswerAt;
    private long _dedicatedOpen;
    private long _dedicatedOpened;

    public ServerStats(PoolStats pool, string name)
    {
        Pool = pool;
        Name = name;
        _poolTag = new("pool", pool.Name);
        _serverTag = new("server", name);
    }

    public PoolStats Pool { get; }
    public string Name { get; }

    /// <summary>Role, group, reads and writes of the server in a replication group (set by its PoolServer).</summary>
    public ReplicationStatus? Replication { get; set; }

    /// <summary>A new server connection's counters; called when the connection object is created.</summary>
    public ConnectionStats AddConnection()
    {
        var connection = new ConnectionStats(this);
        lock (_connectionsLock)
        {
            _connections = [.. _connections, connection];
        }
        return connection;
    }

    /// <summary>A reply's latency for the .NET meter (dotnet-counters), only while someone listens.</summary>
    internal void RecordMeter(long elapsedTicks, CommandClass commandClass)
    {
        if (ProxyMeter.RequestDuration.Enabled)
        {
            ProxyMeter.RequestDuration.Record(LatencyHistogram.TicksToSeconds(elapsedTicks), _poolTag, _serverTag,
                new KeyValuePair<string, object?>("command", CommandClasses.Names[(int)commandClass]));
        }
    }

    internal void ConnectionOpened() => Interlocked.Increment(ref _connectionsOpened);

    /// <summary>A dedicated connection (blocking command, transaction, subscription) was created.</summary>
    public void DedicatedOpened()
    {
        Interlocked.Increment(ref _dedicatedOpen);
        Interlocked.Increment(ref _dedicatedOpened);
    }

    /// <summary>A dedicated connection was closed.</summary>
    public void DedicatedClosed() => Interlocked.Decrement(ref _dedicatedOpen);

    /// <summary>Dedicated connections open now (idle or lent), over all workers.</summary>
    public long DedicatedConnections => Interlocked.Read(ref _dedicatedOpen);

    /// <summary>Dedicated connections created since start.</summary>
    public long DedicatedConnectionsOpened => Interlocked.Read(ref _dedicatedOpened);

    /// <summary>
    /// A connection was torn down by <paramref name="failure"/> and <paramref name="failedRequests"/>
    /// requests failed with it. Counts server_eof for a server that closed, server_timedout for a
    /// timeout, server_err for everything else, and the failed requests as the pool's
    /// forward_error. A close by the proxy itself counts nothing.
    /// </summary>
    internal void ConnectionFailed(ServerFailure failure, int failedRequests)
    {
        switch (failure.Kind)
        {
            case ServerFailureKind.ClosedByProxy:
                return;
            case ServerFailureKind.ServerClosed:
                Interlocked.Increment(ref _serverEof);
                break;
            case ServerFailureKind.TimedOut:
                Interlocked.Increment(ref _serverTimedOut);
                break;
            default:
                Interlocked.Increment(ref _serverErr);
                break;
        }
        Pool.ForwardErrors(failedRequests);
    }

    /// <summary>The server was ejected from the pool (auto_eject_hosts): records server_ejected_at and the pool's server_ejects.</summary>
    public void Ejected()
    {
        Interlocked.Exchange(ref _ejectedAtMicros, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
        Pool.ServerEjected();
    }

    public long ServerEof => Interlocked.Read(ref _serverEof);
    public long ServerErr => Interlocked.Read(ref _serverErr);
    public long ServerTimedOut => Interlocked.Read(ref _serverTimedOut);
    public long EjectedAtMicros => Interlocked.Read(ref _ejectedAtMicros);
    // Request and reply counters live in each connection (one writer each) and are summed here.
    public long Requests => Sum(static c => c.Requests);
    public long RequestBytes => Sum(static c => c.RequestBytes);
    public long Responses => Sum(static c => c.Responses);
    public long ResponseBytes => Sum(static c => c.ResponseBytes);

    /// <summary>An active health check got the server's answer at <paramref name="timestamp"/> (Stopwatch ticks).</summary>
    public void HealthCheckAnswered(long timestamp) => Interlocked.Exchange(ref _lastCheckAnswerAt, timestamp);

    /// <summary>
    /// Stopwatch ticks of the latest reply from the server — to a request on any connection, or to
    /// an active health check; 0 when it has never answered.
    /// </summary>
    public long LastReplyAt
    {
        get
        {
            var latest = Interlocked.Read(ref _lastCheckAnswerAt);
            foreach (var connection in Volatile.Read(ref _connections))
            {
                latest = Math.Max(latest, connection.LastReplyAt);
            }
            return latest;
        }
    }

    /// <summary>Milliseconds since the latest reply (see <see cref="LastReplyAt"/>); null when it has never answered.</summary>
    public long? LastReplyAgeMs(long nowTimestamp) => LastReplyAt is var at and > 0
        ? (long)Stopwatch.GetElapsedTime(at, nowTimestamp).TotalMilliseconds
        : null;

    private long Sum(Func<ConnectionStats, long> counter)
    {
        long total = 0;
        foreach (var connection in Volatile.Read(ref _connections))
        {
            total += counter(connection);
        }
        return total;
    }

    /// <summary>Adds the latency histogram of one command class, over every connection, into <paramref name="counts"/>; returns the sum in ticks.</summary>
    public long AddLatencyTo(int commandClass, long[] counts)
    {
        long sum = 0;
        foreach (var connection in Volatile.Read(ref _connections))
        {
            sum += connection.LatencyOf(commandClass).AddTo(counts);
        }
        return sum;
    }
    public long ConnectionsOpened => Interlocked.Read(ref _connectionsOpened);


    /// <summary>Queue gauges and open connections, summed over this server's connections.</summary>
    public QueueSample SampleQueues()
    {
        var sample = default(QueueSample);
        foreach (var connection in Volatile.Read(ref _connections))
        {
            connection.AddTo(ref sample);
        }
        return sample;
    }
}
