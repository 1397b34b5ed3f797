using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.ControlPlane;

/// <summary>
/// Checks every server of a replication pool with <c>ROLE</c> on its own connection, off the
/// workers, every <see cref="ProxyTimings.ReplicationCheckInterval"/>: the role it reports, and for a replica whether its link
/// to the master is up (<c>connected</c>). A replica that does not answer or is not linked is
/// skipped by reads (<see cref="ReplicationGroup.IsUp"/>); an answer also clears the server's
/// failure count, as a health probe does, so a replica that failed comes back once it answers.
/// A server's own claim to be master never makes it the master: the group's master comes from
/// the config (the fork's rule) or from Sentinel.
/// </summary>
internal sealed class ReplicationMonitor
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(1);

    private readonly ServerPool _pool;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<PoolServer, RespClient> _clients = new();

    private ReplicationMonitor(ServerPool pool, ILogger logger)
    {
        _pool = pool;
        _logger = logger;
    }

    /// <summary>Runs until the pool stops; idle while the pool has no replication group.</summary>
    public static void Start(ServerPool pool, ILogger logger)
        => _ = Task.Run(() => new ReplicationMonitor(pool, logger).RunAsync());

    private async Task RunAsync()
    {
        var stopping = _pool.Stopping;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var topology = _pool.Topology;
                if (topology.CheckedGroups is not null)
                {
                    await Task.WhenAll(topology.Servers.Select(s => CheckAsync(s, topology.Config, stopping))).ConfigureAwait(false);
                }
                foreach (var gone in _clients.Keys.Where(s => Array.IndexOf(_pool.Topology.Servers, s) < 0).ToList())
                {
                    if (_clients.TryRemove(gone, out var client))
                    {
                        client.Dispose();
                    }
                }
                await Task.Delay(_pool.Timings.ReplicationCheckInterval, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.ReplicationCheckFailed(e, _pool.Name);
            }
        }
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    private async Task CheckAsync(PoolServer server, PoolConfig config, CancellationToken stopping)
    {
        if (server.Config.IsUnix)
        {
            return; // checked by its requests only
        }
        var status = server.Replication;
        var before = (status.Role, status.Usable);
        try
        {
            var reply = await RoleAsync(server, config, stopping).ConfigureAwait(false);
            if (reply is object?[] { Length: > 0 } role && role[0] is string name)
            {
                // Replica: slave, master-ip, master-port, connect|connecting|sync|connected, offset.
                var link = name == "slave" && role.Length > 3 ? role[3] as string ?? "" : "";
                status.OnRole(name, name != "slave" || link == "connected", link);
                server.Health.OnReply();
            }
            else
            {
                status.OnUnreachable(reply is RespErrorReply e ? e.Message : "unexpected ROLE reply");
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or FormatException
            or System.Security.Authentication.AuthenticationException)
        {
            if (_clients.TryRemove(server, out var client))
            {
                client.Dispose();
            }
            status.OnUnreachable(e.Message);
        }
        if (before != (status.Role, status.Usable) && !stopping.IsCancellationRequested)
        {
            _logger.ServerRole(_pool.Name, server.Name, status.Role, status.Detail.Length > 0 ? " (" + status.Detail + ")" : "",
                status.Usable ? "in service for reads" : "skipped by reads");
        }
    }

    private async Task<object?> RoleAsync(PoolServer server, PoolConfig config, CancellationToken stopping)
    {
        if (!_clients.TryGetValue(server, out var client))
        {
            // server_tls: the check speaks TLS with the pool's current certificates, as the data path does.
            client = await RespClient.ConnectAuthenticatedAsync(server.Config, config, s_timeout, stopping).ConfigureAwait(false);
            _clients[server] = client;
        }
        return await client.CallAsync(s_timeout, stopping, "ROLE").ConfigureAwait(false);
    }
}
