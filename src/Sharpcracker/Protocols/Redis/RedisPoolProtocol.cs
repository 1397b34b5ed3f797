using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.Protocols.Redis;

/// <summary>A Redis pool's protocol: <see cref="RedisClientSession"/> clients; AUTH, SELECT and READONLY on new server connections, then HELLO 3 on RESP3 ones (<see cref="ServerDialect.Alternate"/>).</summary>
internal sealed class RedisPoolProtocol : IPoolProtocol
{
    public static readonly RedisPoolProtocol Instance = new();

    private RedisPoolProtocol()
    {
    }

    public IClientConnection StartSession(ServerPool pool, Worker worker, Socket socket, long id, ILogger logger)
    {
        var session = new RedisClientSession(pool, worker, socket, id, logger);
        session.Start();
        return session;
    }

    public IServerHandshake? HandshakeFor(PoolConfig config, ServerDialect dialect) => RedisServerHandshake.For(config, resp3: dialect == ServerDialect.Alternate);
}
