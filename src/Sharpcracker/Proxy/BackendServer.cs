using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;

namespace Sharpcracker.Proxy;

/// <summary>One backend server of a pool and its server_connections persistent connections.</summary>
internal sealed class BackendServer
{
    private readonly ServerConnection[] _connections;

    public BackendServer(ServerPool pool, int index, ServerConfig config, ILogger logger)
    {
        Pool = pool;
        Index = index;
        Config = config;
        Stats = pool.Stats.Servers[index];
        _connections = new ServerConnection[pool.Config.ServerConnections];
        for (var i = 0; i < _connections.Length; i++)
        {
            _connections[i] = new ServerConnection(this, logger);
        }
    }

    public ServerPool Pool { get; }
    public int Index { get; }
    public ServerConfig Config { get; }
    public string Name => Config.Name;
    public Stats.ServerStats Stats { get; }
    public IReadOnlyList<ServerConnection> Connections => _connections;

    /// <summary>
    /// A client always uses the same connection to a server, so its requests reach the server in
    /// the order it sent them (a set then a get from one client must not be reordered).
    /// </summary>
    public ServerConnection ConnectionFor(long clientId)
        => _connections.Length == 1 ? _connections[0] : _connections[(int)((ulong)clientId % (ulong)_connections.Length)];
}
