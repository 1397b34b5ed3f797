using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Proxy;

namespace Sharpcracker.Hosting;

/// <summary>
/// Builds the Kestrel server that listens for every pool (TCP or unix socket, one listener per
/// pool) and runs each accepted connection on that pool's handler.
/// </summary>
public sealed class ProxyHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ServerPool> _pools = [];

    public ProxyHost(ProxyConfig config, Action<ILoggingBuilder> configureLogging)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        configureLogging(builder.Logging);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var reusePort = new HashSet<EndPoint>();
        var backlog = 512;
        var loggerFactory = LoggerFactory.Create(configureLogging);
        foreach (var poolConfig in config.Pools)
        {
            var logger = loggerFactory.CreateLogger("Sharpcracker.Pool");
            var pool = new ServerPool(poolConfig, logger);
            _pools.Add(pool);
            backlog = Math.Max(backlog, poolConfig.Backlog);
        }

        builder.WebHost.UseSockets(o =>
        {
            // Kestrel has one backlog for all listeners: use the largest any pool asks for.
            o.Backlog = backlog;
            // Connection code runs on the socket threads (no thread-pool hop per read); the proxy
            // never blocks there. SHARPCRACKER_INLINE_SCHEDULING=0 turns it off (docs/performance.md).
            o.UnsafePreferInlineScheduling = InlineScheduling;
            o.CreateBoundListenSocket = endpoint =>
            {
                if (endpoint is not IPEndPoint ip || !reusePort.Contains(ip))
                {
                    return SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                }
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
            };
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBufferSize = null; // the proxy bounds requests itself
            k.Limits.MaxResponseBufferSize = 1024 * 1024;
            foreach (var pool in _pools)
            {
                var listen = pool.Config.Listen;
                if (listen.IsUnix)
                {
                    if (File.Exists(listen.UnixPath))
                    {
                        File.Delete(listen.UnixPath!);
                    }
                    k.ListenUnixSocket(listen.UnixPath!, l => l.Run(pool.HandleClientAsync));
                }
                else
                {
                    var endpoint = new IPEndPoint(ResolveListenHost(listen.Host!), listen.Port);
                    if (pool.Config.ReusePort)
                    {
                        reusePort.Add(endpoint);
                    }
                    k.Listen(endpoint, l => l.Run(pool.HandleClientAsync));
                }
            }
        });
        _app = builder.Build();
    }

    /// <summary>On unless SHARPCRACKER_INLINE_SCHEDULING=0.</summary>
    public static bool InlineScheduling => Environment.GetEnvironmentVariable("SHARPCRACKER_INLINE_SCHEDULING") != "0";

    private static IPAddress ResolveListenHost(string host)
    {
        if (IPAddress.TryParse(host, out var ip))
        {
            return ip;
        }
        var addresses = Dns.GetHostAddresses(host);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];
    }

    public IServiceProvider Services => _app.Services;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        foreach (var pool in _pools)
        {
            var listen = pool.Config.Listen;
            if (listen is { IsUnix: true, UnixPermissions: { } perm } && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(listen.UnixPath!, (UnixFileMode)perm);
            }
            if (pool.Config.Preconnect)
            {
                pool.Preconnect();
            }
        }
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
        foreach (var pool in _pools)
        {
            pool.Dispose();
            if (pool.Config.Listen.IsUnix && File.Exists(pool.Config.Listen.UnixPath))
            {
                File.Delete(pool.Config.Listen.UnixPath!);
            }
        }
    }
}
