using System.Collections.Concurrent;
using System.Text;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>One membership of a soak pool: where each key goes, asked of the proxy's own routing (<see cref="PoolTopology"/>, every server in service: the soak runs without auto-eject), cached per key.</summary>
internal sealed class SoakPlacement
{
    private readonly PoolTopology _topology;
    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);

    public SoakPlacement(PoolConfig config)
    {
        Config = config;
        _topology = new PoolTopology(config, handshakes: default, new PoolServer[config.Servers.Count], static _ => true);
    }

    public PoolConfig Config { get; }

    /// <summary>The name of the server <paramref name="key"/> goes to.</summary>
    public string OwnerOf(string key) => _owners.GetOrAdd(key, k => Config.Servers[_topology.RouteIndex(Encoding.ASCII.GetBytes(k))].Name);
}
