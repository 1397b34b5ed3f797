using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Distribution;
using Sharpcracker.Memcached;

namespace Sharpcracker.Proxy;

/// <summary>
/// The runtime side of one configured pool: its servers, the current key router, and the
/// client connection handler its listener runs.
/// </summary>
internal sealed partial class ServerPool : IDisposable
{
    private readonly ILogger _logger;
    private long _nextClientId;
    private int _currentClients;
    private long _totalClients;
    private long _rejectedClients;

    public ServerPool(PoolConfig config, ILogger logger)
    {
        _logger = logger;
        // Servers, router and config live in one immutable snapshot (ServerPool.Topology.cs).
        InitializeTopology(config);
    }

    public PoolConfig Config => Topology.Config;
    public string Name => Config.Name;
    /// <summary>The current server list; load once per request (a reload may swap it).</summary>
    public IReadOnlyList<BackendServer> Servers => Topology.Servers;
    public int CurrentClients => Volatile.Read(ref _currentClients);
    public long TotalClients => Interlocked.Read(ref _totalClients);
    public long RejectedClients => Interlocked.Read(ref _rejectedClients);

    /// <summary>The server for a key, or null when the pool has no live server.</summary>
    public BackendServer? Route(ReadOnlySpan<byte> key) => Topology.Route(key);

    /// <summary>
    /// Rebuilds the continuum over the servers <paramref name="isLive"/> accepts (twemproxy's
    /// ejection and re-admission). Readers route lock-free with whichever router they loaded: a
    /// request is routed by the old or the new membership, never by a half-built one.
    /// </summary>
    public void SetLiveServers(Func<BackendServer, bool> isLive) => RebuildTopology(isLive);

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
            if (Config.TcpKeepAlive && context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
            {
                socket.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.KeepAlive, true);
            }
            var session = new McClientSession(this, context.Transport, Interlocked.Increment(ref _nextClientId), _logger);
            await session.RunAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or OperationCanceledException)
        {
            // The client went away; nothing to answer.
        }
        finally
        {
            Interlocked.Decrement(ref _currentClients);
        }
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
        DisposeTopology();
        foreach (var server in Topology.Servers)
        {
            foreach (var connection in server.Connections)
            {
                connection.Close();
            }
        }
    }
}
