using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Redis;

namespace Sharpcracker.Proxy;

/// <summary>
/// Follows a Sentinel pool's groups (one per configured server name = Sentinel master name), off
/// the workers: every <see cref="PollInterval"/>, and at once on a Sentinel event
/// (<c>+switch-master</c>, <c>+sdown</c>, <c>-sdown</c>, …, from a subscription to one sentinel),
/// it asks the first sentinel that answers (Sentinel client spec: that one moves to the head of
/// the list) for each group's master (<c>get-master-addr-by-name</c>) and replicas, checks a new
/// master with <c>ROLE</c> before switching to it (never trusting a server's claim alone: Sentinel
/// names it, ROLE confirms it), and publishes a new <see cref="PoolTopology"/>. Requests in flight
/// on the old master then fail with a clear error; new ones go to the new master.
/// </summary>
internal sealed class SentinelDiscovery
{
    public static TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_timeout = TimeSpan.FromMilliseconds(500);

    private readonly ServerPool _pool;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Dictionary<string, BackendServer> _servers = new(StringComparer.Ordinal); // by "ip:port"
    private List<ServerConfig> _sentinels = [];
    private long _failovers;
    private string _lastError = "";

    private SentinelDiscovery(ServerPool pool, ILogger logger)
    {
        _pool = pool;
        _logger = logger;
    }

    /// <summary>Failovers seen (a group's master replaced by another), since start.</summary>
    public long Failovers => Interlocked.Read(ref _failovers);

    /// <summary>The sentinel that answered last (head of the list), for the stats.</summary>
    public string CurrentSentinel => _sentinels.Count > 0 ? _sentinels[0].EndpointText : "";

    public static void Start(ServerPool pool, ILogger logger)
    {
        var discovery = new SentinelDiscovery(pool, logger);
        pool.Sentinel = discovery;
        _ = Task.Run(discovery.RunAsync);
        _ = Task.Run(discovery.SubscribeAsync);
    }

    /// <summary>Ask again now (a reload changed the groups).</summary>
    public void Wake() => _wake.Release();

    private async Task RunAsync()
    {
        var stopping = _pool.Stopping;
        while (!stopping.IsCancellationRequested)
        {
            var retrySoon = false;
            try
            {
                if (_pool.Config.Replication == ReplicationMode.Sentinel)
                {
                    retrySoon = await RefreshAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                _logger.LogWarning("pool {Pool}: sentinel discovery failed: {Error}", _pool.Name, e.Message);
                retrySoon = true;
            }
            // A failed or unconfirmed round is retried sooner than the poll.
            await ((Task)_wake.WaitAsync(retrySoon ? TimeSpan.FromMilliseconds(100) : PollInterval, stopping)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private sealed record GroupView(string Name, string? Master, List<string> Replicas);

    /// <summary>One round over every group; true when something must be retried soon.</summary>
    private async Task<bool> RefreshAsync(CancellationToken stopping)
    {
        var config = _pool.Config;
        // The list as configured, reordered only by which sentinel answered last.
        if (!_sentinels.Select(s => s.EndpointText).Order().SequenceEqual(config.Sentinels!.Select(s => s.EndpointText).Order()))
        {
            _sentinels = [.. config.Sentinels!];
        }
        using var sentinel = await ConnectSentinelAsync(config, stopping).ConfigureAwait(false);
        if (sentinel is null)
        {
            return true;
        }
        var current = _pool.Topology;
        var retry = false;
        var views = new List<GroupView>();
        var usable = new Dictionary<string, bool>(StringComparer.Ordinal);
        for (var g = 0; g < config.Servers.Count; g++)
        {
            var name = config.Servers[g].Name;
            var oldGroup = current.Groups is { } gs && g < gs.Length && gs[g].Name == name ? gs[g] : null;
            var oldMaster = oldGroup is { Master: >= 0 } ? current.Servers[oldGroup.Master].Config.EndpointText : null;
            var addr = await sentinel.CallAsync(s_timeout, stopping, "SENTINEL", "get-master-addr-by-name", name).ConfigureAwait(false);
            string? master = null;
            if (addr is object?[] { Length: 2 } pair && pair[0] is string ip && pair[1] is string port)
            {
                master = ip + ":" + port;
            }
            else
            {
                Warn($"pool {_pool.Name}: sentinel {CurrentSentinel} does not know master '{name}'");
                retry = true;
            }
            if (master is not null && master != oldMaster && !await ConfirmMasterAsync(master, config, stopping).ConfigureAwait(false))
            {
                // Sentinel moved on before the server did (or the reverse): keep the old master until ROLE agrees.
                master = oldMaster;
                retry = true;
            }
            var replicas = new List<string>();
            var reply = await sentinel.CallAsync(s_timeout, stopping, "SENTINEL", "replicas", name).ConfigureAwait(false);
            if (reply is object?[] entries)
            {
                foreach (var entry in entries.OfType<object?[]>())
                {
                    var fields = Fields(entry);
                    var endpoint = fields.GetValueOrDefault("ip") + ":" + fields.GetValueOrDefault("port");
                    if (endpoint == master)
                    {
                        continue;
                    }
                    var flags = fields.GetValueOrDefault("flags") ?? "";
                    usable[endpoint] = !flags.Contains("s_down", StringComparison.Ordinal) && !flags.Contains("o_down", StringComparison.Ordinal)
                        && !flags.Contains("disconnected", StringComparison.Ordinal)
                        && fields.GetValueOrDefault("master-link-status") == "ok"
                        && fields.GetValueOrDefault("role-reported") is null or "slave";
                    replicas.Add(endpoint);
                }
            }
            views.Add(new GroupView(name, master, replicas));
            if (master is not null && oldMaster is not null && master != oldMaster)
            {
                var n = Interlocked.Increment(ref _failovers);
                _logger.LogWarning("pool {Pool} group {Group}: master switched {Old} -> {New} (Sentinel, confirmed by ROLE); failover {Count}",
                    _pool.Name, name, oldMaster, master, n);
            }
            else if (master is not null && oldMaster is null)
            {
                _logger.LogInformation("pool {Pool} group {Group}: master {Master}, replicas {Replicas} (Sentinel)",
                    _pool.Name, name, master, replicas.Count == 0 ? "none" : string.Join(", ", replicas));
            }
        }
        Publish(current, views, usable);
        return retry;
    }

    /// <summary>Builds and publishes the topology when membership or a master changed; resets the old masters' connections.</summary>
    private void Publish(PoolTopology current, List<GroupView> views, Dictionary<string, bool> usable)
    {
        var servers = new List<BackendServer>();
        var groups = new ReplicationGroup[views.Count];
        int IndexOf(string endpoint, string group)
        {
            if (!_servers.TryGetValue(endpoint, out var server))
            {
                var colon = endpoint.LastIndexOf(':');
                var config = new ServerConfig($"{endpoint}:1 {group}", endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture),
                    null, 1, endpoint, false);
                server = new BackendServer(_pool, servers.Count, config, _logger, _pool.Config);
                _servers[endpoint] = server;
            }
            // Sentinel's flags for a replica; a master Sentinel names is in its view by definition.
            server.Replication.OnSentinelView(usable.GetValueOrDefault(endpoint, true));
            var index = servers.IndexOf(server);
            if (index < 0)
            {
                index = servers.Count;
                servers.Add(server);
            }
            return index;
        }
        var switched = new List<(BackendServer Old, string Group, string New)>();
        for (var g = 0; g < views.Count; g++)
        {
            var view = views[g];
            var master = view.Master is null ? -1 : IndexOf(view.Master, view.Name);
            var replicas = view.Replicas.Select(r => IndexOf(r, view.Name)).Where(i => i != master).Distinct().ToArray();
            groups[g] = new ReplicationGroup(view.Name, master, replicas);
            var old = current.Groups is { } gs && g < gs.Length && gs[g].Name == view.Name && gs[g].Master >= 0 ? current.Servers[gs[g].Master] : null;
            if (old is not null && master >= 0 && servers[master] != old)
            {
                switched.Add((old, view.Name, view.Master!));
            }
        }
        var same = current.Groups is { } cg && cg.Length == groups.Length && current.Servers.SequenceEqual(servers)
            && cg.Zip(groups).All(p => p.First.Name == p.Second.Name && p.First.Master == p.Second.Master && p.First.Replicas.SequenceEqual(p.Second.Replicas));
        if (same)
        {
            return;
        }
        var removed = current.Servers.Where(s => !servers.Contains(s)).ToList();
        if (!_pool.PublishReplication(current, [.. servers], groups))
        {
            return; // a reload replaced the topology meanwhile: the next round starts from it
        }
        foreach (var (old, group, now) in switched)
        {
            // In flight on the old master: their fate is unknown (applied or not); fail them clearly.
            old.ResetConnections($"master of '{group}' switched from {old.Config.EndpointText} to {now} (Sentinel failover); the command may or may not have been applied");
        }
        foreach (var server in removed)
        {
            _servers.Remove(server.Config.EndpointText);
        }
        _pool.CloseRemoved(removed);
    }

    /// <summary>ROLE on the address Sentinel named: it must say master before the proxy writes to it.</summary>
    private async Task<bool> ConfirmMasterAsync(string endpoint, PoolConfig config, CancellationToken stopping)
    {
        var colon = endpoint.LastIndexOf(':');
        try
        {
            using var client = await RespClient.ConnectAsync(endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), s_timeout, stopping).ConfigureAwait(false);
            if (config.RedisAuth is { } password)
            {
                await client.CallAsync(s_timeout, stopping, "AUTH", password).ConfigureAwait(false);
            }
            var role = await client.CallAsync(s_timeout, stopping, "ROLE").ConfigureAwait(false);
            if (role is object?[] { Length: > 0 } r && r[0] is "master")
            {
                return true;
            }
            Warn($"pool {_pool.Name}: Sentinel names {endpoint} master but its ROLE says {(role is object?[] { Length: > 0 } x ? x[0] : role)}; waiting");
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or FormatException)
        {
            Warn($"pool {_pool.Name}: Sentinel names {endpoint} master but it does not answer ROLE: {e.Message}; waiting");
        }
        return false;
    }

    /// <summary>The first sentinel that answers, moved to the head of the list; null when none does.</summary>
    private async Task<RespClient?> ConnectSentinelAsync(PoolConfig config, CancellationToken stopping)
    {
        for (var i = 0; i < _sentinels.Count; i++)
        {
            var s = _sentinels[i];
            try
            {
                var client = await RespClient.ConnectAsync(s.Host!, s.Port, s_timeout, stopping).ConfigureAwait(false);
                if (config.SentinelAuth is { } auth)
                {
                    var reply = await client.CallAsync(s_timeout, stopping, ["AUTH", .. auth.Split(' ', 2)]).ConfigureAwait(false);
                    if (reply is RespError e)
                    {
                        client.Dispose();
                        Warn($"pool {_pool.Name}: sentinel {s.EndpointText} refused AUTH: {e.Message}");
                        continue;
                    }
                }
                if (i > 0)
                {
                    _sentinels.RemoveAt(i);
                    _sentinels.Insert(0, s);
                }
                return client;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                if (stopping.IsCancellationRequested)
                {
                    throw;
                }
            }
        }
        Warn($"pool {_pool.Name}: no sentinel answers ({string.Join(", ", _sentinels.Select(s => s.EndpointText))})");
        return null;
    }

    /// <summary>
    /// Listens to one sentinel's events (reconnecting to the next on loss) and wakes the refresh on
    /// every one that can change a group: the refresh, not the event, decides (ROLE checked).
    /// </summary>
    private async Task SubscribeAsync()
    {
        var stopping = _pool.Stopping;
        var next = 0;
        while (!stopping.IsCancellationRequested)
        {
            var config = _pool.Config;
            if (config.Replication != ReplicationMode.Sentinel)
            {
                await Task.Delay(PollInterval, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            var s = config.Sentinels![next++ % config.Sentinels.Count];
            try
            {
                using var client = await RespClient.ConnectAsync(s.Host!, s.Port, s_timeout, stopping).ConfigureAwait(false);
                if (config.SentinelAuth is { } auth)
                {
                    await client.CallAsync(s_timeout, stopping, ["AUTH", .. auth.Split(' ', 2)]).ConfigureAwait(false);
                }
                await client.SendAsync(stopping, "SUBSCRIBE", "+switch-master", "+sdown", "-sdown", "+odown", "-odown", "+convert-to-slave", "+slave", "+failover-end").ConfigureAwait(false);
                while (!stopping.IsCancellationRequested && _pool.Config == config)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    cts.CancelAfter(TimeSpan.FromSeconds(5));
                    object? message;
                    try
                    {
                        message = await client.ReadAsync(cts.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                    {
                        break; // quiet: reconnect (also notices a dead sentinel whose socket stays open)
                    }
                    if (message is object?[] { Length: 3 } m && m[0] is "message" && m[1] is string channel)
                    {
                        if (channel == "+switch-master")
                        {
                            _logger.LogInformation("pool {Pool}: sentinel {Sentinel}: +switch-master {Event}", _pool.Name, s.EndpointText, m[2]);
                        }
                        _wake.Release();
                    }
                }
                next--; // same sentinel again after a quiet period or a reload
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or FormatException)
            {
                if (!stopping.IsCancellationRequested)
                {
                    await Task.Delay(100, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
    }

    private static Dictionary<string, string> Fields(object?[] entry)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < entry.Length; i += 2)
        {
            if (entry[i] is string k && entry[i + 1] is string v)
            {
                fields[k] = v;
            }
        }
        return fields;
    }

    /// <summary>Logs a problem once until a different one occurs.</summary>
    private void Warn(string message)
    {
        if (message != _lastError)
        {
            _lastError = message;
            _logger.LogWarning("{Message}", message);
        }
    }
}
