using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sharpcracker.Proxy;

namespace Sharpcracker.Hosting;

/// <summary>
/// One pool's listening socket on Kestrel's socket transport, with its own lifecycle: a config
/// reload can start a new pool's listener or stop a removed one while every other pool keeps
/// accepting (a Kestrel server binds all endpoints at start and cannot change them later).
/// Each listener has its own transport options, so each pool gets its own backlog.
/// </summary>
internal sealed class PoolListener : IAsyncDisposable
{
    private readonly IConnectionListener _listener;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ConnectionContext, Task> _clients = new();
    private readonly Task _acceptLoop;

    private PoolListener(ServerPool pool, IConnectionListener listener, ILogger logger)
    {
        Pool = pool;
        _listener = listener;
        _logger = logger;
        _acceptLoop = AcceptLoopAsync();
    }

    public ServerPool Pool { get; }

    public int ClientCount => _clients.Count;

    /// <summary>Binds the pool's listen address and starts accepting.</summary>
    /// <exception cref="IOException">The address cannot be bound (in use, no permission, bad host).</exception>
    public static async Task<PoolListener> StartAsync(ServerPool pool, ILoggerFactory loggerFactory)
    {
        var config = pool.Config;
        var listen = config.Listen;
        var options = new SocketTransportOptions
        {
            Backlog = config.Backlog,
            // Connection code runs on the socket threads (no thread-pool hop per read); the proxy
            // never blocks there. SHARPCRACKER_INLINE_SCHEDULING=0 turns it off (docs/performance.md).
            UnsafePreferInlineScheduling = ProxyHost.InlineScheduling,
            // Read/write pipe thresholds stay at the transport's defaults (1 MiB / 64 KiB), as under Kestrel before.
        };
        EndPoint endpoint;
        try
        {
            if (listen.IsUnix)
            {
                if (File.Exists(listen.UnixPath))
                {
                    File.Delete(listen.UnixPath!);
                }
                endpoint = new UnixDomainSocketEndPoint(listen.UnixPath!);
            }
            else
            {
                var ip = new IPEndPoint(ResolveListenHost(listen.Host!), listen.Port);
                endpoint = ip;
                if (config.ReusePort)
                {
                    options.CreateBoundListenSocket = _ => CreateReusePortSocket(ip);
                }
            }
            var factory = new SocketTransportFactory(Options.Create(options), loggerFactory);
            var listener = await factory.BindAsync(endpoint).ConfigureAwait(false);
            if (listen is { IsUnix: true, UnixPermissions: { } perm } && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(listen.UnixPath!, (UnixFileMode)perm);
            }
            return new PoolListener(pool, listener, loggerFactory.CreateLogger("Sharpcracker.Listener"));
        }
        catch (Exception e) when (e is SocketException or AddressInUseException or UnauthorizedAccessException)
        {
            throw new IOException($"pool '{config.Name}': cannot listen on {listen.Text}: {e.Message}", e);
        }
    }

    private static Socket CreateReusePortSocket(IPEndPoint ip)
    {
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        const int SolSocket = 1, SoReuseAddr = 2, SoReusePort = 15;
        socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
        if (ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.Address.Equals(IPAddress.IPv6Any))
        {
            socket.DualMode = true;
        }
        socket.Bind(ip);
        return socket;
    }

    private static IPAddress ResolveListenHost(string host)
    {
        if (IPAddress.TryParse(host, out var ip))
        {
            return ip;
        }
        var addresses = Dns.GetHostAddresses(host);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            ConnectionContext? connection;
            try
            {
                connection = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning("pool {Pool}: accept failed: {Message}", Pool.Name, e.Message);
                continue;
            }
            if (connection is null)
            {
                return; // unbound
            }
            // The raw transport has no close-request notification (Kestrel's server adds one);
            // sessions listen on it to drain gracefully (ServerPool.RunSessionAsync).
            if (connection.Features.Get<IConnectionLifetimeNotificationFeature>() is null)
            {
                connection.Features.Set<IConnectionLifetimeNotificationFeature>(new CloseRequest());
            }
            // Registered before it runs, so CloseClientsAsync cannot miss it.
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _clients[connection] = RunClientAsync(connection, started.Task);
            started.SetResult();
        }
    }

    private async Task RunClientAsync(ConnectionContext connection, Task registered)
    {
        await registered.ConfigureAwait(false);
        try
        {
            await Pool.HandleClientAsync(connection).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogDebug("pool {Pool}: client ended: {Message}", Pool.Name, e.Message);
        }
        finally
        {
            try
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogDebug("pool {Pool}: closing client: {Message}", Pool.Name, e.Message);
            }
            _clients.TryRemove(connection, out _);
        }
    }

    /// <summary>Stops accepting new clients; connected clients are not touched.</summary>
    public async Task StopAcceptingAsync()
    {
        try
        {
            await _listener.UnbindAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
        }
        await _acceptLoop.ConfigureAwait(false);
        var listen = Pool.Config.Listen;
        if (listen.IsUnix && File.Exists(listen.UnixPath))
        {
            File.Delete(listen.UnixPath!);
        }
    }

    /// <summary>
    /// Closes every client gracefully: reading stops (no new requests are taken), replies to the
    /// requests already read are written, then the connection closes. Clients still open at the
    /// deadline are aborted.
    /// </summary>
    public async Task CloseClientsAsync(TimeSpan deadline)
    {
        foreach (var connection in _clients.Keys)
        {
            StopReading(connection);
        }
        var until = Environment.TickCount64 + (long)deadline.TotalMilliseconds;
        while (!_clients.IsEmpty && Environment.TickCount64 < until)
        {
            // A client accepted after the cancel above (racing the unbind) is cancelled too.
            foreach (var connection in _clients.Keys)
            {
                StopReading(connection);
            }
            await Task.Delay(20).ConfigureAwait(false);
        }
        foreach (var connection in _clients.Keys)
        {
            connection.Abort(new ConnectionAbortedException("pool removed"));
        }
        await Task.WhenAll(_clients.Values).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Asks the session to drain (stop reading; its write loop writes what it owes). The cancelled
    /// read also ends a session that has not registered for the request yet.
    /// </summary>
    private static void StopReading(ConnectionContext connection)
    {
        try
        {
            connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
            connection.Transport.Input.CancelPendingRead();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            // Already closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAcceptingAsync().ConfigureAwait(false);
        await CloseClientsAsync(TimeSpan.Zero).ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Close-request notification for one accepted connection.</summary>
    private sealed class CloseRequest : IConnectionLifetimeNotificationFeature
    {
        private readonly CancellationTokenSource _requested = new();

        public CancellationToken ConnectionClosedRequested
        {
            get => _requested.Token;
            set => throw new NotSupportedException();
        }

        public void RequestClose() => _requested.Cancel();
    }
}
