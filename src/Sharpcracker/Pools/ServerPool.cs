using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Stats;

namespace Sharpcracker.Pools;

/// <summary>
/// The runtime side of one configured pool: its servers, the current key router, and its
/// clients (accepted by the pool's listener, each owned by one worker).
/// </summary>
internal sealed partial class ServerPool : IPool, IDisposable
{
    private readonly ILogger _logger;
    private readonly IPoolProtocol? _protocol;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, IClientConnection> _clients = new();
    private long _nextClientId;
    private int _currentClients;
    private long _totalClients;
    private long _rejectedClients;
    private volatile bool _draining;

    /// <param name="workers">The workers that will own this pool's clients and server connections; null only for routing-only use in tests.</param>
    /// <param name="protocol">Starts the pool's client sessions and says what new server connections send first; null only for routing-only use in tests.</param>
    /// <param name="timings">The host's waits and polling periods (defaults when null).</param>
    public ServerPool(PoolConfig config, ILogger logger, WorkerGroup? workers = null, IPoolProtocol? protocol = null, ProxyTimings? timings = null)
    {
        Timings = timings ?? ProxyTimings.Default;
        Debug.Assert(workers is null || protocol is not null, "a pool with workers serves clients: it needs its protocol");
        _logger = logger;
        _protocol = protocol;
        Workers = workers;
        Stats = new Stats.PoolStats(config.Name, []);
        // Servers, router and config live in one immutable snapshot (ServerPool.Topology.cs).
        InitializeTopology(config);
        Stats.Replicated = config.RoutesReads;
        Stats.Redis = config.Redis;
        Discovery = PoolDiscovery.For(config);
    }

    /// <summary>Whether the pool's first topology is known (discovered pools); the listener accepts once it is.</summary>
    public PoolDiscovery Discovery { get; }

    /// <summary>
    /// The pool's control plane (slot maps, ROLE checks, Sentinel, probes); null until the host
    /// attaches one, and for routing-only pools in tests. Set once, before the pool's listener opens.
    /// </summary>
    public IPoolControl? Control { get; private set; }

    /// <summary>Attaches the control plane the host built for this pool (once, before clients arrive).</summary>
    public void Attach(IPoolControl control)
    {
        Debug.Assert(Control is null, "a pool has one control plane");
        Control = control;
    }

    /// <summary>
    /// Worker thread (<see cref="IPool.ServerFailed"/>): a counted failure of one of this pool's
    /// servers. A cluster node failing may be failing over, so the slot map is read again soon; an
    /// ejected server leaves the continuum and is probed until it answers.
    /// </summary>
    public void ServerFailed(PoolServer server, bool ejected)
    {
        Control?.RequestClusterRefresh();
        if (ejected)
        {
            RebuildLiveServers();
            Control?.ProbeUntilReadmitted(server);
        }
    }

    public WorkerGroup? Workers { get; }

    /// <summary>
    /// The host's waits and polling periods (this pool's and its control plane's), read at each
    /// use. Replaced whole, never edited (a record): a test shortens one on a running pool.
    /// </summary>
    public ProxyTimings Timings { get; internal set; }
    public PoolConfig Config => Topology.Config;
    /// <summary>
    /// Run on every new backend connection before client bytes (Redis AUTH / SELECT); null when
    /// none. Read at connect time, so a reload that changes redis_auth applies to new connections.
    /// </summary>
    public IServerHandshake? HandshakeFor(ServerDialect dialect) => Topology.HandshakeFor(dialect);
    public Stats.PoolStats Stats { get; }
    public string Name => Config.Name;
    /// <summary>The current server list; load once per request (a reload may swap it).</summary>
    public IReadOnlyList<PoolServer> Servers => Topology.Servers;
    public int CurrentClients => Volatile.Read(ref _currentClients);

    /// <summary>Any thread: the pool's client sessions now (a live view; each is owned by its worker).</summary>
    public ICollection<IClientConnection> Clients => _clients.Values;
    public long TotalClients => Interlocked.Read(ref _totalClients);
    public long RejectedClients => Interlocked.Read(ref _rejectedClients);

    /// <summary>Cancelled when the pool shuts down (ends health probes).</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The server for a key, or null when the pool has no live server.</summary>
    public PoolServer? Route(ReadOnlySpan<byte> key) => Topology.Route(key);

    /// <summary>
    /// Rebuilds the continuum over the servers <paramref name="isLive"/> accepts (twemproxy's
    /// ejection and re-admission). Readers route lock-free with whichever router they loaded: a
    /// request is routed by the old or the new membership, never by a half-built one.
    /// </summary>
    public void SetLiveServers(Func<PoolServer, bool> isLive) => RebuildTopology(isLive);

    /// <summary>
    /// Rebuilds the continuum over the servers that are not ejected. Serialised with reloads (the
    /// topology lock), so two servers changing state at once cannot leave a stale view.
    /// </summary>
    public void RebuildLiveServers() => SetLiveServers(static s => !s.Health.IsEjected);

    public void Preconnect()
    {
        foreach (var server in Topology.Servers)
        {
            server.Preconnect();
        }
    }

    /// <summary>
    /// The acceptor's hand-off: a connection accepted on this pool's listener. Checks
    /// client_connections (pool-wide), picks the least-loaded worker and starts the session there.
    /// </summary>
    public void Accept(Socket socket, bool tcp)
    {
        var current = Interlocked.Increment(ref _currentClients);
        if (_draining || (Config.ClientConnections > 0 && current > Config.ClientConnections))
        {
            // twemproxy ignores client_connections; we close the extra client at accept.
            Interlocked.Decrement(ref _currentClients);
            socket.Dispose();
            if (!_draining)
            {
                Interlocked.Increment(ref _rejectedClients);
                _logger.ClientConnectionsLimitReached(Name, Config.ClientConnections);
            }
            return;
        }
        Interlocked.Increment(ref _totalClients);
        Stats.ClientOpened();
        try
        {
            if (tcp)
            {
                socket.NoDelay = true;
                if (Config.TcpKeepAlive)
                {
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                }
            }
        }
        catch (SocketException)
        {
            // The client is already gone; its first read will say so.
        }
        var id = Interlocked.Increment(ref _nextClientId);
        var worker = Workers!.LeastLoaded();
        worker.ClientAssigned();
        if (worker.IsCurrentThread)
        {
            StartSession(worker, socket, id);
        }
        else
        {
            worker.Post(() => StartSession(worker, socket, id));
        }
    }

    private void StartSession(Worker worker, Socket socket, long id)
    {
        var session = _protocol!.StartSession(this, worker, socket, id, _logger);
        _clients[id] = session;
        if (_draining)
        {
            session.BeginDrain();
        }
    }

    /// <summary>Worker thread: a client session ended (it closed, quit, or was closed by the proxy).</summary>
    public void ClientClosed(long clientId, ClientEnding ending)
    {
        _clients.TryRemove(clientId, out _);
        Interlocked.Decrement(ref _currentClients);
        if (ending == ClientEnding.Error)
        {
            Stats.ClientError();
        }
        else
        {
            Stats.ClientEof();
        }
    }

    /// <summary>
    /// Graceful close of every client (shutdown, or the pool removed by a reload): each stops
    /// reading, writes the replies it owes, then closes (docs/operations.md). New clients are refused.
    /// </summary>
    public void DrainClients()
    {
        _draining = true;
        foreach (var client in _clients.Values)
        {
            client.Worker.Post(client.BeginDrain);
        }
    }

    /// <summary>Closes every remaining client at once.</summary>
    public void AbortClients()
    {
        foreach (var client in _clients.Values)
        {
            client.Worker.Post(client.Abort);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        Stats.Dispose();
        var closing = Topology.Servers.Select(s => s.CloseAsync()).ToArray();
        Task.WhenAll(closing).Wait(TimeSpan.FromSeconds(5));
    }
}
