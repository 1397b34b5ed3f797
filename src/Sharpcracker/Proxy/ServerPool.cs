using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Memcached;
using Sharpcracker.Redis;

namespace Sharpcracker.Proxy;

/// <summary>
/// The runtime side of one configured pool: its servers, the current key router, and the
/// client connection handler its listener runs.
/// </summary>
internal sealed partial class ServerPool : IDisposable
{
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private long _nextClientId;
    private int _currentClients;
    private long _totalClients;
    private long _rejectedClients;

    public ServerPool(PoolConfig config, ILogger logger)
    {
        _logger = logger;
        Stats = new Stats.PoolStats(config.Name, []);
        // Servers, router and config live in one immutable snapshot (ServerPool.Topology.cs).
        InitializeTopology(config);
    }

    public PoolConfig Config => Topology.Config;
    /// <summary>
    /// Run on every new backend connection before client bytes (Redis AUTH / SELECT); null when
    /// none. Read at connect time, so a reload that changes redis_auth applies to new connections.
    /// </summary>
    public IBackendHandshake? Handshake => Topology.Handshake;
    public Stats.PoolStats Stats { get; }
    public string Name => Config.Name;
    /// <summary>The current server list; load once per request (a reload may swap it).</summary>
    public IReadOnlyList<BackendServer> Servers => Topology.Servers;
    public int CurrentClients => Volatile.Read(ref _currentClients);
    public long TotalClients => Interlocked.Read(ref _totalClients);
    public long RejectedClients => Interlocked.Read(ref _rejectedClients);

    /// <summary>Cancelled when the pool shuts down (ends health probes).</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The server for a key, or null when the pool has no live server.</summary>
    public BackendServer? Route(ReadOnlySpan<byte> key) => Topology.Route(key);

    /// <summary>
    /// Rebuilds the continuum over the servers <paramref name="isLive"/> accepts (twemproxy's
    /// ejection and re-admission). Readers route lock-free with whichever router they loaded: a
    /// request is routed by the old or the new membership, never by a half-built one.
    /// </summary>
    public void SetLiveServers(Func<BackendServer, bool> isLive) => RebuildTopology(isLive);

    /// <summary>
    /// Rebuilds the continuum over the servers that are not ejected. Serialised with reloads (the
    /// topology lock), so two servers changing state at once cannot leave a stale view.
    /// </summary>
    public void RebuildLiveServers() => SetLiveServers(static s => !s.Health.IsEjected);

    public void Preconnect()
    {
        foreach (var server in Topology.Servers)
        {
            foreach (var connection in server.Connections)
            {
                connection.Preconnect();
            }
        }
    }

    /// <summary>Kestrel connection delegate for this pool's listener.</summary>
    public async Task HandleClientAsync(ConnectionContext context)
    {
        var current = Interlocked.Increment(ref _currentClients);
        try
        {
            if (Config.ClientConnections > 0 && current > Config.ClientConnections)
            {
                // twemproxy ignores client_connections; we close the extra client at accept.
                Interlocked.Increment(ref _rejectedClients);
                _logger.LogWarning("pool {Pool}: client_connections limit {Limit} reached; closing new client", Name, Config.ClientConnections);
                return;
            }
            Interlocked.Increment(ref _totalClients);
            Stats.ClientOpened();
            if (Config.TcpKeepAlive && context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
            {
                socket.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.KeepAlive, true);
            }
            var clientId = Interlocked.Increment(ref _nextClientId);
            if (Config.Redis)
            {
                await RunSessionAsync(new RedisClientSession(this, context.Transport, clientId, _logger), context).ConfigureAwait(false);
            }
            else
            {
                await RunSessionAsync(new McClientSession(this, context.Transport, clientId, _logger), context).ConfigureAwait(false);
            }
            Stats.ClientEof();
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or OperationCanceledException)
        {
            // The client went away; nothing to answer.
            Stats.ClientError();
        }
        finally
        {
            Interlocked.Decrement(ref _currentClients);
        }
    }

    /// <summary>
    /// Runs a client session. Graceful close (shutdown, or the pool removed by a reload): the
    /// listener requests the close through the connection's lifetime feature; the session stops
    /// reading, writes what it owes, and ends (docs/operations.md). Abort closes it at once.
    /// </summary>
    private static async Task RunSessionAsync<TRequest>(ClientSession<TRequest> session, ConnectionContext context)
        where TRequest : ClientRequest<TRequest>
    {
        session.AbortConnection = context.Abort;
        using var draining = context.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested.Register(session.BeginDrain);
        await session.RunAsync().ConfigureAwait(false);
    }

    private void CheckTimeouts(int timeoutMs)
    {
        var now = Environment.TickCount64;
        foreach (var server in Topology.Servers)
        {
            foreach (var connection in server.Connections)
            {
                connection.CheckTimeout(now, timeoutMs);
            }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        DisposeTopology();
        Stats.Dispose();
        foreach (var server in Topology.Servers)
        {
            foreach (var connection in server.Connections)
            {
                connection.Close();
            }
        }
    }
}
