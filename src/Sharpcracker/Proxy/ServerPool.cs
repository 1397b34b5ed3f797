using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Distribution;
using Sharpcracker.Memcached;
using Sharpcracker.Redis;

namespace Sharpcracker.Proxy;

/// <summary>
/// The runtime side of one configured pool: its servers, the current key router, and the
/// client connection handler its listener runs.
/// </summary>
internal sealed class ServerPool : IDisposable
{
    private readonly ILogger _logger;
    private readonly Timer? _timeoutTimer;
    private readonly BackendServer[] _servers;
    private readonly HashTag _hashTag;
    private readonly object _membershipLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private volatile KeyRouter _router;
    private long _nextClientId;
    private int _currentClients;
    private long _totalClients;
    private long _rejectedClients;

    public ServerPool(PoolConfig config, ILogger logger)
    {
        Config = config;
        _logger = logger;
        Stats = new Stats.PoolStats(config.Name, config.Servers.Select(s => s.Name));
        _servers = new BackendServer[config.Servers.Count];
        for (var i = 0; i < _servers.Length; i++)
        {
            _servers[i] = new BackendServer(this, i, config.Servers[i], logger);
        }
        _hashTag = config.HashTag is { Length: 2 } t ? new HashTag((byte)t[0], (byte)t[1]) : HashTag.None;
        _router = BuildRouter(_ => true);
        Handshake = RedisBackendHandshake.For(config);
        if (config.TimeoutMs is { } timeout and > 0)
        {
            var period = Math.Clamp(timeout / 10, 1, 100);
            _timeoutTimer = new Timer(_ => CheckTimeouts(timeout), null, period, period);
        }
    }

    public PoolConfig Config { get; }
    /// <summary>Run on every new backend connection before client bytes (Redis AUTH / SELECT); null when none.</summary>
    public IBackendHandshake? Handshake { get; }
    public Stats.PoolStats Stats { get; }
    public string Name => Config.Name;
    public IReadOnlyList<BackendServer> Servers => _servers;
    public int CurrentClients => Volatile.Read(ref _currentClients);
    public long TotalClients => Interlocked.Read(ref _totalClients);
    public long RejectedClients => Interlocked.Read(ref _rejectedClients);

    /// <summary>Cancelled when the pool shuts down (ends health probes).</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The server for a key, or null when the pool has no live server.</summary>
    public BackendServer? Route(ReadOnlySpan<byte> key)
    {
        var index = _router.Route(key);
        return index < 0 ? null : _servers[index];
    }

    /// <summary>
    /// Rebuilds the continuum over the servers <paramref name="isLive"/> accepts (twemproxy's
    /// ejection and re-admission). Readers route lock-free with whichever router they loaded: a
    /// request is routed by the old or the new membership, never by a half-built one.
    /// </summary>
    public void SetLiveServers(Func<BackendServer, bool> isLive) => _router = BuildRouter(isLive);

    /// <summary>
    /// Rebuilds the continuum over the servers that are not ejected. Serialised, so two servers
    /// changing state at once cannot leave the router built from a stale view.
    /// </summary>
    public void RebuildLiveServers()
    {
        lock (_membershipLock)
        {
            SetLiveServers(s => !s.Health.IsEjected);
        }
    }

    private KeyRouter BuildRouter(Func<BackendServer, bool> isLive)
    {
        var members = new List<ContinuumMember>(_servers.Length);
        foreach (var server in _servers)
        {
            if (isLive(server))
            {
                members.Add(new ContinuumMember(server.Index, server.Name, server.Config.Weight));
            }
        }
        return new KeyRouter(Config.Hash, _hashTag, Config.Distribution, members);
    }

    public void Preconnect()
    {
        foreach (var server in _servers)
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
                var redis = new RedisClientSession(this, context.Transport, clientId, _logger);
                redis.AbortConnection = context.Abort;
                using var drainingRedis = context.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested.Register(redis.BeginDrain);
                await redis.RunAsync().ConfigureAwait(false);
                Stats.ClientEof();
                return;
            }
            var session = new McClientSession(this, context.Transport, clientId, _logger);
            session.AbortConnection = context.Abort;
            // Graceful shutdown: Kestrel stops listening, then asks each connection to close;
            // the session stops reading, writes what is in flight, and ends (docs/operations.md).
            using var draining = context.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested.Register(session.BeginDrain);
            await session.RunAsync().ConfigureAwait(false);
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

    private void CheckTimeouts(int timeoutMs)
    {
        var now = Environment.TickCount64;
        foreach (var server in _servers)
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
        _timeoutTimer?.Dispose();
        Stats.Dispose();
        foreach (var server in _servers)
        {
            foreach (var connection in server.Connections)
            {
                connection.Close();
            }
        }
    }
}
