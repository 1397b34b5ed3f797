using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>A memcached pool's protocol: <see cref="McClientSession"/> clients; server connections need no handshake.</summary>
internal sealed class McPoolProtocol : IPoolProtocol
{
    public static readonly McPoolProtocol Instance = new();

    private McPoolProtocol()
    {
    }

    public IClientConnection StartSession(ServerPool pool, Worker worker, Socket socket, long id, ILogger logger)
    {
        var session = new McClientSession(pool, worker, socket, id, logger);
        session.Start();
        return session;
    }

    public IServerHandshake? HandshakeFor(PoolConfig config, ServerDialect dialect) => null;
}
