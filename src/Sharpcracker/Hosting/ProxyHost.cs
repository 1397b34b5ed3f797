using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Configuration.Routes;
using Sharpcracker.ControlPlane;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Pools.Routes;
using Sharpcracker.Protocols.Memcached;
using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.Hosting;

/// <summary>
/// Runs every pool: the workers (<see cref="WorkerGroup"/>, one event loop per thread) and one
/// <see cref="PoolListener"/> (TCP or unix socket) per pool, each with its own lifecycle so a
/// reload (<see cref="ApplyAsync"/>) can add and remove pools while the others keep serving. The
/// generic host provides logging and the SIGINT/SIGTERM lifetime.
/// </summary>
internal sealed class ProxyHost : IAsyncDisposable
{
    private readonly IHost _app;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    // Reloads apply one at a time; the pool table is only touched under this lock.
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private readonly List<ServerPool> _initialPools = [];
    private readonly Dictionary<string, PoolListener> _listeners = new(StringComparer.Ordinal);
    // Pools without listen, by name: reached only through the listeners' routes (docs/routes.md).
    private readonly Dictionary<string, ServerPool> _routePools = new(StringComparer.Ordinal);
    private readonly List<Task> _retiring = [];
    private readonly WorkerGroup _workers;

    /// <param name="threads">Worker threads; 0 = SHARPCRACKER_THREADS or one per processor.</param>
    public ProxyHost(ProxyConfig config, Action<ILoggingBuilder> configureLogging, int threads = 0, ProxyTimings? timings = null)
    {
        // No default configuration sources: appsettings.json would be watched with inotify (one
        // instance per host; the per-user limit is small) and the proxy reads no such file.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.ClearProviders();
        configureLogging(builder.Logging);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        _app = builder.Build();
        _loggerFactory = _app.Services.GetRequiredService<ILoggerFactory>();
        _logger = _loggerFactory.CreateLogger("Sharpcracker.Config");
        Config = config;
        Timings = timings ?? ProxyTimings.Default;
        if (threads <= 0 && !int.TryParse(Environment.GetEnvironmentVariable("SHARPCRACKER_THREADS"), out threads))
        {
            threads = WorkerGroup.DefaultCount;
        }
        _workers = new WorkerGroup(Math.Max(1, threads), _loggerFactory.CreateLogger("Sharpcracker.Worker"));
        foreach (var poolConfig in config.Pools)
        {
            _initialPools.Add(NewPool(poolConfig));
        }
        foreach (var poolConfig in config.RoutePools)
        {
            _routePools[poolConfig.Name] = NewPool(poolConfig);
        }
        BindRoutes(_initialPools);
    }

    /// <summary>Gives every listener that routes the tree of its config, over the pools there are now.</summary>
    private void BindRoutes(IEnumerable<ServerPool> listeners)
    {
        var listening = listeners.ToList();
        ServerPool Find(string name) => _routePools.TryGetValue(name, out var pool) ? pool : listening.First(p => p.Name == name);
        foreach (var pool in listening)
        {
            pool.SetRoutes(pool.Config.Route is { } route ? RouteTree.Build(route, Find, _workers.Count) : null);
        }
    }

    /// <summary>Waits and polling periods, handed to every pool and its control plane.</summary>
    public ProxyTimings Timings { get; }

    /// <summary>Any thread: current clients and requests forwarded so far, per worker (the operator console reads it).</summary>
    public IReadOnlyList<(int Worker, long Clients, long Requests)> WorkerLoads
        => _workers.All.Select(w => (w.Index, (long)w.ClientCount, Volatile.Read(ref w.Forwarded))).ToArray();

    /// <summary>The number of worker threads.</summary>
    public int WorkerCount => _workers.Count;

    internal WorkerGroup Workers => _workers;

    public IServiceProvider Services => _app.Services;

    /// <summary>The configuration currently served (the last one applied).</summary>
    public ProxyConfig Config { get; private set; }

    /// <summary>A pool served by the workers, with its protocol's sessions and server handshake, and its control plane.</summary>
    private ServerPool NewPool(PoolConfig config)
    {
        var logger = _loggerFactory.CreateLogger("Sharpcracker.Pool");
        var pool = new ServerPool(config, logger, _workers, config.Redis ? RedisPoolProtocol.Instance : McPoolProtocol.Instance, Timings);
        PoolControlPlane.AttachTo(pool, logger);
        return pool;
    }

    /// <summary>Every pool: the listeners' (in listen order), then those that serve routes only.</summary>
    internal IEnumerable<ServerPool> Pools => _listeners.Values.Select(l => l.Pool).Concat(_routePools.Values);

    /// <exception cref="IOException">A pool's address cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var pool in _initialPools)
            {
                _listeners[pool.Config.Listen.Text] = await PoolListener.StartAsync(pool, _loggerFactory).ConfigureAwait(false);
            }
        }
        catch
        {
            foreach (var listener in _listeners.Values)
            {
                await listener.DisposeAsync().ConfigureAwait(false);
            }
            _listeners.Clear();
            throw;
        }
        foreach (var pool in _initialPools.Concat(_routePools.Values))
        {
            if (pool.Config.Preconnect)
            {
                pool.Preconnect();
            }
        }
    }

    /// <summary>
    /// Switches to <paramref name="config"/>: pools are matched by listen address. A kept pool keeps
    /// its listener and clients and takes the new settings and servers (see
    /// <see cref="ServerPool.ApplyConfig"/>); a new pool starts listening; a removed pool stops
    /// accepting at once and closes its clients once their in-flight requests are answered
    /// (<see cref="ProxyTimings.RemovedPoolCloseDeadline"/>). All or nothing: a config that cannot be applied
    /// leaves everything as it was.
    /// </summary>
    /// <returns>One phrase per change (empty: nothing changed).</returns>
    /// <exception cref="ConfigException">The config is refused; nothing changed.</exception>
    public async Task<IReadOnlyList<string>> ApplyAsync(ProxyConfig config)
    {
        await _reloadLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var kept = new List<(PoolListener Listener, PoolConfig Config)>();
            var added = new List<PoolConfig>();
            foreach (var poolConfig in config.Pools)
            {
                PoolTopology.Validate(poolConfig);
                if (_listeners.TryGetValue(poolConfig.Listen.Text, out var listener))
                {
                    if (listener.Pool.Config.Redis != poolConfig.Redis)
                    {
                        throw new ConfigException($"pool '{poolConfig.Name}' changes protocol on {poolConfig.Listen.Text}; use a new listen address or restart");
                    }
                    kept.Add((listener, poolConfig));
                }
                else
                {
                    added.Add(poolConfig);
                }
            }
            var keptAddresses = config.Pools.Select(p => p.Listen.Text).ToHashSet(StringComparer.Ordinal);
            var removed = _listeners.Where(kv => !keptAddresses.Contains(kv.Key)).Select(kv => kv.Value).ToList();

            // Bind new pools first: if one cannot listen, nothing else has changed yet.
            var started = new List<PoolListener>();
            try
            {
                foreach (var poolConfig in added)
                {
                    var pool = NewPool(poolConfig);
                    started.Add(await PoolListener.StartAsync(pool, _loggerFactory).ConfigureAwait(false));
                }
            }
            catch (IOException e)
            {
                foreach (var listener in started)
                {
                    await listener.DisposeAsync().ConfigureAwait(false);
                    listener.Pool.Dispose();
                }
                throw new ConfigException(e.Message);
            }

            var changes = new List<string>();
            // Pools that serve routes, matched by name: kept ones take their new settings, new
            // ones start, removed ones retire once no tree names them.
            var retiredRoutePools = _routePools.Values.Where(p => !config.RoutePools.Any(c => c.Name == p.Name)).ToList();
            foreach (var poolConfig in config.RoutePools)
            {
                PoolTopology.Validate(poolConfig);
                if (_routePools.TryGetValue(poolConfig.Name, out var routePool))
                {
                    foreach (var change in routePool.ApplyConfig(poolConfig))
                    {
                        changes.Add($"pool '{poolConfig.Name}': {change}");
                    }
                }
                else
                {
                    _routePools[poolConfig.Name] = NewPool(poolConfig);
                    if (poolConfig.Preconnect)
                    {
                        _routePools[poolConfig.Name].Preconnect();
                    }
                    changes.Add($"+pool '{poolConfig.Name}' (routes only)");
                }
            }
            foreach (var (listener, poolConfig) in kept)
            {
                var oldName = listener.Pool.Name;
                foreach (var change in listener.Pool.ApplyConfig(poolConfig))
                {
                    changes.Add($"pool '{oldName}': {change}");
                }
            }
            foreach (var listener in started)
            {
                _listeners[listener.Pool.Config.Listen.Text] = listener;
                if (listener.Pool.Config.Preconnect)
                {
                    listener.Pool.Preconnect();
                }
                changes.Add($"+pool '{listener.Pool.Name}' on {listener.Pool.Config.Listen.Text}");
            }
            var routesBefore = _listeners.Values.Select(l => l.Pool).Where(p => p.Routes is not null).ToDictionary(p => p.Name, p => p.Routes!.Config);
            BindRoutes(kept.Select(k => k.Listener.Pool).Concat(started.Select(l => l.Pool)));
            foreach (var pool in kept.Select(k => k.Listener.Pool).Where(p => p.Config.Route is not null))
            {
                if (!routesBefore.TryGetValue(pool.Name, out var before) || !RouteConfigEquality.Same(before, pool.Config.Route!))
                {
                    changes.Add($"pool '{pool.Name}': route changed");
                }
            }
            foreach (var pool in retiredRoutePools)
            {
                _routePools.Remove(pool.Name);
                changes.Add($"-pool '{pool.Name}' (routes only)");
                lock (_retiring)
                {
                    _retiring.Add(RetireRoutePoolAsync(pool));
                }
            }
            foreach (var listener in removed)
            {
                _listeners.Remove(listener.Pool.Config.Listen.Text);
                await listener.StopAcceptingAsync().ConfigureAwait(false);
                changes.Add($"-pool '{listener.Pool.Name}' on {listener.Pool.Config.Listen.Text}");
                lock (_retiring)
                {
                    _retiring.Add(RetireAsync(listener));
                }
            }
            Config = config;
            return changes;
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <summary>A removed pool: clients get their outstanding replies, then the pool's servers close.</summary>
    private async Task RetireAsync(PoolListener listener)
    {
        await listener.CloseClientsAsync(Timings.RemovedPoolCloseDeadline).ConfigureAwait(false);
        await listener.DisposeAsync().ConfigureAwait(false);
        listener.Pool.Dispose();
        _logger.PoolClosed(listener.Pool.Name, listener.Pool.Config.Listen.Text);
    }

    /// <summary>A pool no route names any more: requests the old trees sent there get their replies first.</summary>
    private async Task RetireRoutePoolAsync(ServerPool pool)
    {
        await Task.Delay(Timings.RemovedPoolCloseDeadline).ConfigureAwait(false);
        pool.Dispose();
        _logger.PoolClosed(pool.Name, "(routes only)");
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _reloadLock.WaitAsync().ConfigureAwait(false);
        try
        {
            // Graceful stop (SIGTERM / SIGINT): no new clients anywhere, then every client stops
            // being read and gets the replies it is owed, within the ShutdownDrainDeadline of its timings.
            foreach (var listener in _listeners.Values)
            {
                await listener.StopAcceptingAsync().ConfigureAwait(false);
            }
            await Task.WhenAll(_listeners.Values.Select(l => l.CloseClientsAsync(Timings.ShutdownDrainDeadline))).ConfigureAwait(false);
            foreach (var listener in _listeners.Values)
            {
                await listener.DisposeAsync().ConfigureAwait(false);
                listener.Pool.Dispose();
            }
            _listeners.Clear();
            foreach (var pool in _routePools.Values)
            {
                pool.Dispose();
            }
            _routePools.Clear();
            Task[] retiring;
            lock (_retiring)
            {
                retiring = [.. _retiring];
            }
            await Task.WhenAll(retiring).WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            _reloadLock.Release();
        }
        _workers.Dispose();
        _app.Dispose();
    }
}
