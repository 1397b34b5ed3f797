using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;

namespace Sharpcracker.Proxy;

/// <summary>One backend server of a pool and its server_connections persistent connections.</summary>
internal sealed class BackendServer
{
    private readonly ServerConnection[] _connections;
    private readonly ILogger _logger;

    /// <param name="poolConfig">The pool settings this server starts with (a config reload passes
    /// the new settings before the pool has switched to them).</param>
    public BackendServer(ServerPool pool, int index, ServerConfig config, ILogger logger, PoolConfig poolConfig)
    {
        Pool = pool;
        Index = index;
        Config = config;
        _logger = logger;
        Health = new ServerHealth(poolConfig.AutoEjectHosts, poolConfig.ServerFailureLimit, poolConfig.ServerRetryTimeoutMs);
        Stats = new Stats.ServerStats(pool.Stats, config.Name);
        _connections = new ServerConnection[poolConfig.ServerConnections];
        for (var i = 0; i < _connections.Length; i++)
        {
            _connections[i] = new ServerConnection(this, logger, poolConfig.ServerInflightLimit);
        }
    }

    public ServerPool Pool { get; }
    /// <summary>Position in the pool's current server list; a config reload may move a kept server (PoolTopology).</summary>
    public int Index { get; internal set; }
    /// <summary>A reload may change the name or weight of a kept server, never its endpoint.</summary>
    public ServerConfig Config { get; internal set; }
    public string Name => Config.Name;
    public Stats.ServerStats Stats { get; }
    public IReadOnlyList<ServerConnection> Connections => _connections;

    /// <summary>Failure count, back-off and ejection (docs/operations.md, "Failures and limits").</summary>
    public ServerHealth Health { get; }

    /// <summary>
    /// A connection to this server failed (not when the proxy closed it). Counts the failure;
    /// when that ejects the server, rebuilds the pool's continuum without it and starts probing.
    /// </summary>
    public void ReportFailure(string reason)
    {
        if (!Health.OnConnectionFailed(reason, Environment.TickCount64))
        {
            return;
        }
        _logger.LogWarning("pool {Pool} server {Server}: ejected after {Limit} failures ({Reason}); probing again in {Retry} ms",
            Pool.Name, Name, Pool.Config.ServerFailureLimit, reason, Health.RetryTimeoutMs);
        Stats.Ejected();
        Pool.RebuildLiveServers();
        _ = HealthProbe.ProbeUntilReadmittedAsync(this, _logger, Pool.Stopping);
    }

    /// <summary>
    /// A client always uses the same connection to a server, so its requests reach the server in
    /// the order it sent them (a set then a get from one client must not be reordered).
    /// </summary>
    public ServerConnection ConnectionFor(long clientId)
        => _connections.Length == 1 ? _connections[0] : _connections[(int)((ulong)clientId % (ulong)_connections.Length)];
}
