using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;

namespace Sharpcracker.Pools;

/// <summary>
/// What a pool needs of its protocol (memcached or Redis), so that Pools does not depend on
/// Protocols: the protocol layer implements it, and the host hands the right one to each pool.
/// A pool's protocol never changes (a reload that switches it replaces the pool).
/// </summary>
internal interface IPoolProtocol
{
    /// <summary>Worker thread: creates and starts the session of a client accepted for <paramref name="pool"/>.</summary>
    IClientConnection StartSession(ServerPool pool, Worker worker, Socket socket, long id, ILogger logger);

    /// <summary>What every new server connection of <paramref name="dialect"/> sends before client requests (Redis AUTH, SELECT, READONLY, HELLO 3); null when nothing.</summary>
    IServerHandshake? HandshakeFor(PoolConfig config, ServerDialect dialect);
}
