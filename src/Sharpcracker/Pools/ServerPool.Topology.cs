using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Routing;
using Sharpcracker.Stats;

namespace Sharpcracker.Pools;

/// <summary>
/// Live reconfiguration of a pool: the current <see cref="PoolTopology"/> is swapped as a whole
/// (readers take one volatile load, never a lock); servers whose endpoint is still configured
/// keep their <see cref="PoolServer"/> and its open connections; removed servers are closed
/// once the requests already sent to them are answered (bounded by a deadline).
/// </summary>
internal sealed partial class ServerPool
{
    // Writers (reload, ejection) serialise on this; readers only load _topology.
    private readonly object _topologyLock = new();
    private volatile PoolTopology _topology = null!;
    private Func<PoolServer, bool> _isLive = static _ => true;

    /// <summary>The current snapshot. Load it once per request and route everything of that request with it.</summary>
    public PoolTopology Topology => _topology;

    /// <summary>A snapshot for <paramref name="config"/>, with the handshake the pool's protocol wants for it.</summary>
    private PoolTopology NewTopology(PoolConfig config, PoolServer[] servers, Func<PoolServer, bool> isLive,
        RedisClusterSlotMap? clusterMap = null, ReplicationGroup[]? sentinelGroups = null)
        => _topology?.Composite is { } composite && config.Route is not null
            ? new(config, composite) // a Redis listener that routes keeps routing until its new tree is bound
            : new(config, (_protocol?.HandshakeFor(config, ServerDialect.Default), _protocol?.HandshakeFor(config, ServerDialect.Alternate)), servers, isLive, clusterMap, sentinelGroups);

    private void InitializeTopology(PoolConfig config)
    {
        // A Sentinel pool's servers are those Sentinel names (SentinelDiscovery), not the file's addresses.
        var servers = new PoolServer[config.Replication == ReplicationMode.Sentinel ? 0 : config.Servers.Count];
        for (var i = 0; i < servers.Length; i++)
        {
            servers[i] = new PoolServer(this, i, config.Servers[i], _logger, config);
        }
        _topology = NewTopology(config, servers, _isLive);
        Stats.SetServers(servers.Select(s => s.Stats));
    }

    private void RebuildTopology(Func<PoolServer, bool> isLive)
    {
        lock (_topologyLock)
        {
            _isLive = isLive;
            var current = _topology;
            _topology = NewTopology(current.Config, current.Servers, isLive, current.ClusterMap, current.SentinelGroups);
        }
    }

    /// <summary>
    /// Switches the pool to <paramref name="config"/> (same listen address). Returns what changed,
    /// one phrase per change, for the reload log line; empty when nothing did.
    /// </summary>
    /// <exception cref="ArgumentException">The config cannot be routed (checked before anything changes).</exception>
    public List<string> ApplyConfig(PoolConfig config)
    {
        Stats.Replicated = config.RoutesReads;
        if (config.Replication == ReplicationMode.Sentinel)
        {
            return ApplySentinelConfig(config); // ServerPool.Replication.cs
        }
        var changes = new List<string>();
        List<PoolServer> removed;
        List<PoolServer> added = [];
        lock (_topologyLock)
        {
            var old = _topology;
            // A server is "the same" when its endpoint is; changing server_connections renews them all.
            var byEndpoint = new Dictionary<string, PoolServer>(StringComparer.Ordinal);
            if (old.Config.ServerConnections == config.ServerConnections)
            {
                foreach (var s in old.Servers)
                {
                    byEndpoint[s.Config.EndpointText] = s;
                }
            }
            else
            {
                changes.Add($"server_connections {old.Config.ServerConnections} -> {config.ServerConnections}");
            }
            var servers = new PoolServer[config.Servers.Count];
            var renamed = new List<(PoolServer Server, ServerConfig Config)>();
            for (var i = 0; i < servers.Length; i++)
            {
                var sc = config.Servers[i];
                if (byEndpoint.Remove(sc.EndpointText, out var kept))
                {
                    servers[i] = kept;
                    if (kept.Config != sc)
                    {
                        renamed.Add((kept, sc));
                        changes.Add(kept.Config.Weight != sc.Weight
                            ? $"server {sc.EndpointText} weight {kept.Config.Weight} -> {sc.Weight}"
                            : $"server {sc.EndpointText} now '{sc.Text}'");
                    }
                }
                else
                {
                    servers[i] = new PoolServer(this, i, sc, _logger, config);
                    added.Add(servers[i]);
                    changes.Add($"+server {sc.EndpointText}");
                }
            }
            if (config.Distribution == DistributionKind.RedisCluster)
            {
                // Cluster nodes discovered at run time stay (their slots are still theirs).
                servers = [.. servers, .. old.Servers.Where(s => byEndpoint.Remove(s.Config.EndpointText))];
            }
            removed = [.. old.Servers.Where(s => !servers.Contains(s))];
            foreach (var s in removed)
            {
                changes.Add($"-server {s.Config.EndpointText}");
            }
            DescribePoolChanges(old.Config, config, changes);

            // Build first: a config the router refuses changes nothing.
            var topology = NewTopology(config, servers, _isLive, old.ClusterMap);
            foreach (var (server, sc) in renamed)
            {
                server.Config = sc;
            }
            for (var i = 0; i < servers.Length; i++)
            {
                servers[i].Index = i;
                servers[i].Health.Reconfigure(config.AutoEjectHosts && ReplicationStatus.MayEject(config, servers[i].Config), config.ServerFailureLimit, config.ServerRetryTimeoutMs);
            }
            _topology = topology;
            LabelClusterGroups(topology);
            Stats.SetServers(servers.Select(s => s.Stats));
        }
        if (_topology.ClusterMap is not null)
        {
            PublishClusterMap(map => map, scanNodes: true); // the nodes the new settings want (replicas, when replica reads were turned on)
        }
        if (config.VBucketStream && config.VBuckets is not null)
        {
            Discovery.MarkKnown(); // the stream's first map, now published
        }
        Control?.ConfigApplied();
        if (config.Preconnect)
        {
            foreach (var server in added)
            {
                server.Preconnect();
            }
        }
        if (removed.Count > 0)
        {
            _ = DrainAndCloseAsync(removed, Timings.RemovedServerDrainDeadline);
        }
        return changes;
    }

    private static void DescribePoolChanges(PoolConfig a, PoolConfig b, List<string> changes)
    {
        void Compare<T>(string what, T x, T y)
        {
            if (!EqualityComparer<T>.Default.Equals(x, y))
            {
                changes.Add($"{what} {x?.ToString() ?? "none"} -> {y?.ToString() ?? "none"}");
            }
        }
        Compare("name", a.Name, b.Name);
        Compare("hash", a.Hash, b.Hash);
        Compare("hash_tag", a.HashTag, b.HashTag);
        Compare("distribution", a.Distribution, b.Distribution);
        Compare("timeout", a.TimeoutMs, b.TimeoutMs);
        Compare("client_connections", a.ClientConnections, b.ClientConnections);
        Compare("auto_eject_hosts", a.AutoEjectHosts, b.AutoEjectHosts);
        Compare("server_failure_limit", a.ServerFailureLimit, b.ServerFailureLimit);
        Compare("server_retry_timeout", a.ServerRetryTimeoutMs, b.ServerRetryTimeoutMs);
        // redis_cluster: READONLY is part of a connection's handshake, so a switch between master and
        // replica reads applies to connections opened after it (docs/redis.md).
        Compare("read_policy", a.ReadPolicy, b.ReadPolicy);
        Compare("health_check_interval", a.HealthCheckIntervalMs, b.HealthCheckIntervalMs);
        // Certificates are re-read on every reload; new connections use the new ones.
        Compare("tls certificate", a.Tls?.Context.Thumbprint, b.Tls?.Context.Thumbprint);
        Compare("server_tls", a.ServerTls is not null, b.ServerTls is not null);
        Compare("memcache_protocol", a.MemcacheProtocol, b.MemcacheProtocol);
        Compare("redis_refuse_commands", RefusedText(a), RefusedText(b));
        if (a.AuthFile is null ? b.AuthFile is not null : !a.AuthFile.SameAs(b.AuthFile))
        {
            changes.Add($"auth_file {a.AuthFile?.ToString() ?? "none"} -> {b.AuthFile?.ToString() ?? "none"}"); // path and user count only
        }
        if (a.VBuckets is not null && b.VBuckets is not null && !a.VBuckets.SameMasters(b.VBuckets)
            || (a.VBuckets is null) != (b.VBuckets is null))
        {
            changes.Add("vbucket map");
        }
    }

    private static string? RefusedText(PoolConfig config)
        => config.RedisRefuseCommands is { } names ? string.Join(",", names.Order(StringComparer.Ordinal)) : null;

    /// <summary>
    /// Closes removed servers once nothing is in flight on them. A session that loaded the old
    /// topology just before the swap may still be queueing onto them, so wait a moment first.
    /// </summary>
    private async Task DrainAndCloseAsync(List<PoolServer> removed, TimeSpan deadline)
    {
        var until = Environment.TickCount64 + (long)deadline.TotalMilliseconds;
        await Task.Delay(200).ConfigureAwait(false);
        while (Environment.TickCount64 < until && !removed.All(s => s.IsIdle))
        {
            await Task.Delay(50).ConfigureAwait(false);
        }
        foreach (var server in removed)
        {
            _logger.RemovedServerClosing(Name, server.Config.EndpointText);
            await server.CloseAsync().ConfigureAwait(false);
        }
    }
}
