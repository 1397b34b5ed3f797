using System.Net.Sockets;
using Sharpcracker.Configuration;
using Sharpcracker.Stats;

namespace Sharpcracker.Engine;

/// <summary>
/// What the engine needs of the pool a listener, a client or a server belongs to. Pools/ServerPool
/// implements it; the engine knows pools only through this, so Engine does not depend on Pools.
/// </summary>
internal interface IPool
{
    string Name { get; }

    /// <summary>The config in force now (a reload replaces it; read it once per use).</summary>
    PoolConfig Config { get; }

    PoolStats Stats { get; }

    /// <summary>The workers that own the pool's clients and server connections; null only for routing-only use in tests.</summary>
    WorkerGroup? Workers { get; }

    /// <summary>Cancelled when the pool shuts down.</summary>
    CancellationToken Stopping { get; }

    /// <summary>What every new server connection of <paramref name="dialect"/> sends before client requests; null when nothing.</summary>
    IServerHandshake? HandshakeFor(ServerDialect dialect);

    /// <summary>The listener's hand-off of an accepted socket (the accepting worker's thread).</summary>
    void Accept(Socket socket, bool tcp);

    /// <summary>Worker thread: a client session ended, by an error (client_err) or a close (client_eof).</summary>
    void ClientClosed(long clientId, ClientEnding ending);

    /// <summary>
    /// Worker thread: a connection to <paramref name="server"/> failed and the failure was counted;
    /// <paramref name="ejected"/> when that ejected the server (auto_eject_hosts). The pool reacts
    /// off the worker (rebuilds its routing, probes the server, asks for a new cluster slot map).
    /// </summary>
    void ServerFailed(PoolServer server, bool ejected);
}
