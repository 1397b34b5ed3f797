using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.Hosting;

/// <summary>
/// One pool's listening socket with its own lifecycle: a config reload can start a new pool's
/// listener or stop a removed one while every other pool keeps accepting. Each listener has its
/// own backlog. Its acceptor runs in one worker (listeners are spread over the workers).
/// </summary>
internal sealed class PoolListener : IAsyncDisposable
{
    private static int s_nextAcceptor;
    private readonly Listener _listener;
    private bool _stopped;

    private PoolListener(ServerPool pool, Listener listener)
    {
        Pool = pool;
        _listener = listener;
    }

    public ServerPool Pool { get; }

    public int ClientCount => Pool.CurrentClients;

    /// <summary>Binds the pool's listen address and starts accepting.</summary>
    /// <exception cref="IOException">The address cannot be bound (in use, no permission, bad host).</exception>
    public static async Task<PoolListener> StartAsync(ServerPool pool, ILoggerFactory loggerFactory)
    {
        var config = pool.Config;
        var listen = config.Listen;
        Socket? socket = null;
        try
        {
            if (listen.IsUnix)
            {
                if (File.Exists(listen.UnixPath))
                {
                    File.Delete(listen.UnixPath!);
                }
                socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Bind(new UnixDomainSocketEndPoint(listen.UnixPath!));
                if (listen.UnixPermissions is { } perm && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(listen.UnixPath!, (UnixFileMode)perm);
                }
            }
            else
            {
                var ip = new IPEndPoint(ResolveListenHost(listen.Host!), listen.Port);
                socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                const int SolSocket = 1, SoReuseAddr = 2, SoReusePort = 15;
                socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
                if (config.ReusePort)
                {
                    socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
                }
                if (ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.Address.Equals(IPAddress.IPv6Any))
                {
                    socket.DualMode = true;
                }
                socket.Bind(ip);
            }
            socket.Listen(config.Backlog);
            socket.Blocking = false;
        }
        catch (Exception e) when (e is SocketException or UnauthorizedAccessException)
        {
            socket?.Dispose();
            throw new IOException($"pool '{config.Name}': cannot listen on {listen.Text}: {e.Message}", e);
        }
        var workers = pool.Workers!;
        var acceptor = workers[(int)((uint)Interlocked.Increment(ref s_nextAcceptor) % (uint)workers.Count)];
        var listener = new Listener(socket, pool, acceptor, loggerFactory.CreateLogger("Sharpcracker.Listener"));
        if (pool.Discovery.IsKnown)
        {
            await acceptor.InvokeAsync(listener.Start).ConfigureAwait(false);
        }
        else
        {
            // Bound and listening, so clients can connect (and send) at once; they are accepted,
            // and their requests read, only once the pool knows its servers (Pools/PoolDiscovery).
            _ = AcceptWhenDiscoveredAsync(pool, listener, loggerFactory.CreateLogger("Sharpcracker.Pool"));
        }
        return new PoolListener(pool, listener);
    }

    /// <summary>
    /// Starts accepting once the pool's first topology is published, or at its discovery_timeout
    /// (then the log says what is missing, and requests fail with that until discovery succeeds).
    /// Nothing when the pool stops first; a stop that comes first makes the start a no-op.
    /// </summary>
    private static async Task AcceptWhenDiscoveredAsync(ServerPool pool, Listener listener, ILogger logger)
    {
        var config = pool.Config;
        var started = Environment.TickCount64;
        logger.WaitingForDiscovery(config.Name, config.Listen.Text, config.DiscoveryTimeoutMs);
        try
        {
            await pool.Discovery.Known.WaitAsync(TimeSpan.FromMilliseconds(config.DiscoveryTimeoutMs), pool.Stopping).ConfigureAwait(false);
            logger.DiscoveredAccepting(config.Name, config.Listen.Text, Environment.TickCount64 - started);
        }
        catch (TimeoutException)
        {
            logger.DiscoveryOverdue(config.Name, config.Listen.Text, config.DiscoveryTimeoutMs, pool.Discovery.Missing);
        }
        catch (OperationCanceledException)
        {
            return; // the pool stopped before it knew its servers
        }
        await listener.Acceptor.InvokeAsync(listener.Start).ConfigureAwait(false);
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

    /// <summary>Stops accepting new clients; connected clients are not touched.</summary>
    public async Task StopAcceptingAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        await _listener.Acceptor.InvokeAsync(_listener.Stop).ConfigureAwait(false);
        var listen = Pool.Config.Listen;
        if (listen.IsUnix && File.Exists(listen.UnixPath))
        {
            File.Delete(listen.UnixPath!);
        }
    }

    /// <summary>
    /// Closes every client gracefully: reading stops (no new requests are taken), replies to the
    /// requests already read are written, then the connection closes. Clients still open at the
    /// deadline are closed at once.
    /// </summary>
    public async Task CloseClientsAsync(TimeSpan deadline)
    {
        Pool.DrainClients();
        var until = Environment.TickCount64 + (long)deadline.TotalMilliseconds;
        while (Pool.CurrentClients > 0 && Environment.TickCount64 < until)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
        if (Pool.CurrentClients == 0)
        {
            return;
        }
        Pool.AbortClients();
        var abortUntil = Environment.TickCount64 + 5000;
        while (Pool.CurrentClients > 0 && Environment.TickCount64 < abortUntil)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAcceptingAsync().ConfigureAwait(false);
        await CloseClientsAsync(TimeSpan.Zero).ConfigureAwait(false);
    }
}
