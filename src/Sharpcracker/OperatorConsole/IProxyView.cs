using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.OperatorConsole;

/// <summary>What the operator console reads from a running proxy: the configuration it serves and its pools.</summary>
internal interface IProxyView
{
    /// <summary>The configuration served now (the last one applied by a reload).</summary>
    ProxyConfig Config { get; }

    /// <summary>The pools that listen now, in the configuration's pool order, then the pools that serve routes only (no listen address; <see cref="Configuration.PoolConfig.ServesRoutesOnly"/>).</summary>
    IReadOnlyList<ServerPool> Pools { get; }

    /// <summary>Current clients and requests forwarded so far, per worker.</summary>
    IReadOnlyList<(int Worker, long Clients, long Requests)> WorkerLoads { get; }
}
