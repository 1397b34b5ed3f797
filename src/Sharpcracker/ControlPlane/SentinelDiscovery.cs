using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Stats;

namespace Sharpcracker.ControlPlane;

/// <summary>
/// Follows a Sentinel pool's groups (one per configured server name = Sentinel master name), off
/// the workers: every <see cref="ProxyTimings.SentinelPollInterval"/>, and at once on a Sentinel event (a subscription
/// to every sentinel: <c>+switch-master</c>, <c>+promoted-slave</c>, <c>+sdown</c>, …), it asks
/// every sentinel for each group's master (<c>get-master-addr-by-name</c>), configuration epoch and
/// replicas, takes the newest configuration, checks a new master with <c>ROLE</c> before switching
/// to it (never trusting a server's claim alone: Sentinel names it, ROLE confirms it), and
/// publishes a new <see cref="PoolTopology"/>. Requests in flight on the old master then fail with
/// a clear error; new ones go to the new master. Writes wait (refused) while Sentinel promotes.
/// </summary>
internal sealed class SentinelDiscovery
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMilliseconds(500);

    private readonly ServerPool _pool;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Dictionary<string, PoolServer> _servers = new(StringComparer.Ordinal); // by "ip:port"
    // Counters of servers Sentinel stopped naming, by "ip:port": during a failover the old master
    // drops out of the view until Sentinel has demoted it, then returns as the same server, whose
    // counters must go on (the stats port's counters never go back). Bounded: the oldest go first.
    private readonly Dictionary<string, (ServerStats Stats, long Order)> _retiredStats = new(StringComparer.Ordinal);
    private long _retirements;
    private const int RetiredStatsLimit = 64;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RespClient> _sentinelClients = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _subscribed = new(StringComparer.Ordinal);
    private long _failovers;
    private string _lastError = "";

    private SentinelDiscovery(ServerPool pool, ILogger logger)
    {
        _pool = pool;
        _logger = logger;
    }

    /// <summary>Failovers seen (a group's master replaced by another), since start.</summary>
    public long Failovers => Interlocked.Read(ref _failovers);

    /// <summary>Runs until the pool stops; idle while the pool has no <c>sentinels:</c>.</summary>
    public static SentinelDiscovery Start(ServerPool pool, ILogger logger)
    {
        var discovery = new SentinelDiscovery(pool, logger);
        _ = Task.Run(discovery.RunAsync);
        return discovery;
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
                    EnsureSubscribers(_pool.Config);
                    retrySoon = await RefreshAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                _logger.SentinelDiscoveryFailed(_pool.Name, e.Message);
                retrySoon = true;
            }
            // A failed or unconfirmed round is retried sooner than the poll.
            await ((Task)_wake.WaitAsync(retrySoon ? TimeSpan.FromMilliseconds(100) : _pool.Timings.SentinelPollInterval, stopping)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        foreach (var client in _sentinelClients.Values)
        {
            client.Dispose();
        }
    }

    private sealed record GroupView(string Name, string? Master, List<string> Replicas);

    /// <summary>One sentinel's view of one group: the master's address, its config epoch, the replicas' entries.</summary>
    private sealed record SentinelAnswer(string Sentinel, string? Master, long Epoch, object?[] Replicas);

    /// <summary>One round over every group; true when something must be retried soon.</summary>
    private async Task<bool> RefreshAsync(CancellationToken stopping)
    {
        var config = _pool.Config;
        var names = config.Servers.Select(s => s.Name).ToArray();
        // Every sentinel at once: the one with the newest configuration (highest config-epoch) wins,
        // so a sentinel that has not yet heard of a failover never moves the group back.
        var asked = await Task.WhenAll(config.Sentinels!.Select(s => AskAsync(s, config, names, stopping))).ConfigureAwait(false);
        var answered = asked.OfType<SentinelAnswer[]>().ToList();
        if (answered.Count == 0)
        {
            Warn($"pool {_pool.Name}: no sentinel answers ({string.Join(", ", config.Sentinels!.Select(s => s.EndpointText))})");
            return true;
        }
        var current = _pool.Topology;
        var retry = false;
        var views = new List<GroupView>();
        var usable = new Dictionary<string, bool>(StringComparer.Ordinal);
        var announce = new List<Action>();
        for (var g = 0; g < names.Length; g++)
        {
            var name = names[g];
            var oldGroup = current.Groups is { } gs && g < gs.Length && gs[g].Name == name ? gs[g] : null;
            var oldMaster = oldGroup is { Master: >= 0 } ? current.Servers[oldGroup.Master].Config.EndpointText : null;
            var named = answered.Select(a => a[g]).Where(a => a.Master is not null).ToList();
            string? master = null;
            SentinelAnswer? chosen = null;
            if (named.Count == 0)
            {
                Warn($"pool {_pool.Name}: no sentinel knows master '{name}'");
                retry = true;
                master = oldMaster;
            }
            else
            {
                var newest = named.Max(a => a.Epoch);
                var candidates = named.Where(a => a.Epoch == newest).ToList();
                chosen = candidates.FirstOrDefault(a => a.Master == oldMaster)
                    ?? candidates.GroupBy(a => a.Master).OrderByDescending(x => x.Count()).First().First();
                master = chosen.Master;
            }
            if (master is not null && master != oldMaster && !await ConfirmMasterAsync(master, config, stopping).ConfigureAwait(false))
            {
                // Sentinel moved on before the server did: keep the old master until ROLE agrees.
                master = oldMaster;
                retry = true;
            }
            var replicas = new List<string>();
            foreach (var entry in (chosen?.Replicas ?? []).OfType<object?[]>())
            {
                var fields = Fields(entry);
                var endpoint = fields.GetValueOrDefault("ip") + ":" + fields.GetValueOrDefault("port");
                if (endpoint == master)
                {
                    continue;
                }
                var flags = fields.GetValueOrDefault("flags") ?? "";
                // Down or disconnected replicas are skipped; an unlinked one too, unless the master is
                // down as well (ReplicationGroup: then the replicas are the freshest copy there is).
                usable[endpoint] = !flags.Contains("s_down", StringComparison.Ordinal) && !flags.Contains("o_down", StringComparison.Ordinal)
                    && !flags.Contains("disconnected", StringComparison.Ordinal);
                replicas.Add(endpoint);
            }
            views.Add(new GroupView(name, master, replicas));
            if (master is not null && oldMaster is not null && master != oldMaster)
            {
                // master differs from oldMaster only when an answer was chosen (with none, master stays oldMaster).
                Debug.Assert(chosen is not null);
                var (sentinel, epoch) = (chosen.Sentinel, chosen.Epoch);
                announce.Add(() =>
                {
                    var n = Interlocked.Increment(ref _failovers);
                    _pool.Stats.FailoverSeen();
                    _logger.SentinelMasterSwitched(_pool.Name, name, oldMaster, master, sentinel, epoch, n);
                });
            }
            else if (master is not null && oldMaster is null)
            {
                announce.Add(() => _logger.SentinelMasterFound(_pool.Name, name, master, replicas.Count == 0 ? "none" : string.Join(", ", replicas)));
            }
        }
        if (!Publish(current, views, usable))
        {
            return true; // a reload or an ejection replaced the topology meanwhile: again, from the new one
        }
        if (views.All(v => v.Master is not null))
        {
            // Published with a master for every group: a pool waiting at start-up may accept now.
            _pool.Discovery.MarkKnown();
        }
        // Counted and logged once the switch is in effect (a refused publish is retried and announced then).
        foreach (var action in announce)
        {
            action();
        }
        return retry;
    }

    /// <summary>One sentinel's answers for every group, on its kept connection; null when it does not answer.</summary>
    private async Task<SentinelAnswer[]?> AskAsync(ServerConfig sentinel, PoolConfig config, string[] names, CancellationToken stopping)
    {
        var endpoint = sentinel.EndpointText;
        try
        {
            if (!_sentinelClients.TryGetValue(endpoint, out var client))
            {
                client = await RespClient.ConnectToSentinelAsync(sentinel.Host!, sentinel.Port, s_timeout, stopping).ConfigureAwait(false);
                if (config.SentinelAuth is { } auth && await client.CallAsync(s_timeout, stopping, SentinelAuthCommand(auth)).ConfigureAwait(false) is RespErrorReply refused)
                {
                    client.Dispose();
                    Warn($"pool {_pool.Name}: sentinel {endpoint} refused AUTH: {refused.Message}");
                    return null;
                }
                _sentinelClients[endpoint] = client;
            }
            var answers = new SentinelAnswer[names.Length];
            for (var g = 0; g < names.Length; g++)
            {
                // One write: the address and the epoch come from the same sentinel state.
                var replies = await client.CallManyAsync(s_timeout, stopping,
                    ["SENTINEL", "get-master-addr-by-name", names[g]], ["SENTINEL", "master", names[g]], ["SENTINEL", "replicas", names[g]]).ConfigureAwait(false);
                var master = replies[0] is object?[] { Length: 2 } pair && pair[0] is string ip && pair[1] is string port ? ip + ":" + port : null;
                long epoch = -1;
                if (master is not null && replies[1] is object?[] info)
                {
                    _ = long.TryParse(Fields(info).GetValueOrDefault("config-epoch"), System.Globalization.CultureInfo.InvariantCulture, out epoch);
                }
                answers[g] = new SentinelAnswer(endpoint, master, epoch, master is null ? [] : replies[2] as object?[] ?? []);
            }
            return answers;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or FormatException)
        {
            if (_sentinelClients.TryRemove(endpoint, out var dead))
            {
                dead.Dispose();
            }
            if (stopping.IsCancellationRequested)
            {
                throw;
            }
            return null;
        }
    }

    /// <summary>
    /// Builds and publishes the topology when membership or a master changed, and resets the old
    /// masters' connections. False when the pool's topology changed since <paramref name="current"/>.
    /// </summary>
    private bool Publish(PoolTopology current, List<GroupView> views, Dictionary<string, bool> usable)
    {
        var servers = new List<PoolServer>();
        var groups = new ReplicationGroup[views.Count];
        int IndexOf(string endpoint, string group)
        {
            if (!_servers.TryGetValue(endpoint, out var server))
            {
                var config = ServerConfig.FromEndpoint(endpoint, $"{endpoint}:1 {group}")
                    ?? throw new FormatException($"not a host:port address: '{endpoint}'");
                // The same server named again (same address, same group): its counters go on.
                var earlier = _retiredStats.Remove(endpoint, out var retired) && retired.Stats.Name == config.Name && retired.Stats.Pool == _pool.Stats ? retired.Stats : null;
                server = new PoolServer(_pool, servers.Count, config, _logger, _pool.Config, earlier);
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
        var switched = new List<(PoolServer Old, string Group, string New)>();
        for (var g = 0; g < views.Count; g++)
        {
            var view = views[g];
            var master = view.Master is null ? -1 : IndexOf(view.Master, view.Name);
            var replicas = view.Replicas.Select(r => IndexOf(r, view.Name)).Where(i => i != master).Distinct().ToArray();
            groups[g] = new ReplicationGroup(view.Name, master, replicas);
            foreach (var i in replicas.Append(master).Where(i => i >= 0))
            {
                servers[i].Replication.Group = view.Name;
            }
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
            return true;
        }
        var removed = current.Servers.Where(s => !servers.Contains(s)).ToList();
        if (!_pool.PublishReplication(current, [.. servers], groups))
        {
            return false;
        }
        foreach (var (old, group, now) in switched)
        {
            // In flight on the old master: their fate is unknown (applied or not); fail them clearly.
            old.ResetConnections($"master of '{group}' switched from {old.Config.EndpointText} to {now} (Sentinel failover); the command may or may not have been applied");
        }
        foreach (var server in removed)
        {
            _servers.Remove(server.Config.EndpointText);
            Retire(server);
        }
        _pool.CloseRemoved(removed);
        return true;
    }

    /// <summary>Keeps a removed server's counters for its return (<see cref="_retiredStats"/>).</summary>
    private void Retire(PoolServer server)
    {
        _retiredStats[server.Config.EndpointText] = (server.Stats, ++_retirements);
        if (_retiredStats.Count > RetiredStatsLimit)
        {
            _retiredStats.Remove(_retiredStats.MinBy(r => r.Value.Order).Key);
        }
    }

    /// <summary>AUTH for a sentinel: sentinel_auth is "password" or "user password".</summary>
    private static string[] SentinelAuthCommand(string auth) => ["AUTH", .. auth.Split(' ', 2)];

    /// <summary>ROLE on the address Sentinel named: it must say master before the proxy writes to it.</summary>
    private async Task<bool> ConfirmMasterAsync(string endpoint, PoolConfig config, CancellationToken stopping)
    {
        try
        {
            // A data node: over TLS when the pool has server_tls, like its server connections.
            var node = ServerConfig.FromEndpoint(endpoint, endpoint) ?? throw new FormatException($"not a host:port address: '{endpoint}'");
            using var client = await RespClient.ConnectAuthenticatedAsync(node, config, s_timeout, stopping).ConfigureAwait(false);
            var role = await client.CallAsync(s_timeout, stopping, "ROLE").ConfigureAwait(false);
            if (role is object?[] { Length: > 0 } r && r[0] is "master")
            {
                return true;
            }
            Warn($"pool {_pool.Name}: Sentinel names {endpoint} master but its ROLE says {(role is object?[] { Length: > 0 } x ? x[0] : role)}; waiting");
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or FormatException or System.Security.Authentication.AuthenticationException)
        {
            Warn($"pool {_pool.Name}: Sentinel names {endpoint} master but it does not answer ROLE: {e.Message}; waiting");
        }
        return false;
    }

    /// <summary>A subscriber for every configured sentinel (a reload may add some).</summary>
    private void EnsureSubscribers(PoolConfig config)
    {
        foreach (var s in config.Sentinels ?? [])
        {
            if (_subscribed.TryAdd(s.EndpointText, 0))
            {
                _ = Task.Run(() => SubscribeAsync(s));
            }
        }
    }

    /// <summary>
    /// Listens to one sentinel's events while it is configured, reconnecting after a loss or a quiet
    /// period, and wakes the refresh on every event that can change a group: the refresh, not the
    /// event, decides (newest epoch, ROLE checked). Every sentinel is followed, so the first one to
    /// announce a failover (the leader) is heard at once.
    /// </summary>
    private async Task SubscribeAsync(ServerConfig s)
    {
        var stopping = _pool.Stopping;
        while (!stopping.IsCancellationRequested)
        {
            var config = _pool.Config;
            if (config.Replication != ReplicationMode.Sentinel || !config.Sentinels!.Any(x => x.EndpointText == s.EndpointText))
            {
                _subscribed.TryRemove(s.EndpointText, out _);
                return;
            }
            try
            {
                using var client = await RespClient.ConnectToSentinelAsync(s.Host!, s.Port, s_timeout, stopping).ConfigureAwait(false);
                if (config.SentinelAuth is { } auth)
                {
                    await client.CallAsync(s_timeout, stopping, SentinelAuthCommand(auth)).ConfigureAwait(false);
                }
                await client.SendAsync(stopping, "SUBSCRIBE", "+switch-master", "+failover-state-send-slaveof-noone", "-failover-abort-slave-timeout", "+failover-end-for-timeout", "+promoted-slave", "+failover-state-reconf-slaves", "+sdown", "-sdown", "+odown", "-odown", "+convert-to-slave", "+slave", "+failover-end").ConfigureAwait(false);
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
                        _logger.SentinelEvent(_pool.Name, s.EndpointText, channel, m[2]);
                        OnFailoverEvent(channel, m[2] as string ?? "");
                        _wake.Release();
                    }
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or FormatException)
            {
                if (!stopping.IsCancellationRequested)
                {
                    await Task.Delay(200, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
    }

    /// <summary>
    /// The leader is about to send SLAVEOF NO ONE to the chosen replica: from then on the old
    /// master's acknowledged writes are lost when it is demoted, so writes to the group are refused
    /// (a clear error) until the switch, or the pause ends, or Sentinel aborts.
    /// Payload: "slave ip:port ip port @ name master-ip master-port".
    /// </summary>
    private void OnFailoverEvent(string channel, string payload)
    {
        var at = payload.IndexOf(" @ ", StringComparison.Ordinal);
        var name = at < 0 ? "" : payload[(at + 3)..].Split(' ')[0];
        var topology = _pool.Topology;
        if (topology.Groups?.FirstOrDefault(g => g.Name == name) is not { } group)
        {
            return;
        }
        if (channel == "+failover-state-send-slaveof-noone")
        {
            group.PauseWrites(Environment.TickCount64 + (long)_pool.Timings.SentinelFailoverWritePause.TotalMilliseconds);
            if (group.Master >= 0)
            {
                // Requests already in flight on the old master may be applied after the replica
                // detaches and then be lost: fail them now rather than acknowledge them.
                topology.Servers[group.Master].ResetConnections(
                    $"Sentinel is promoting a replica of '{name}'; the command may or may not have been applied");
            }
            _logger.SentinelPromoting(_pool.Name, name, (long)_pool.Timings.SentinelFailoverWritePause.TotalMilliseconds);
        }
        else if (channel is "-failover-abort-slave-timeout" or "+failover-end-for-timeout")
        {
            group.PauseWrites(0);
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
        _pool.Discovery.StillMissing(message); // what a pool waiting at start-up still lacks
        if (message != _lastError)
        {
            _lastError = message;
            _logger.SentinelProblem(message);
        }
    }
}
