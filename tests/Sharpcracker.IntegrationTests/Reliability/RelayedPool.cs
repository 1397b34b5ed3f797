using Sharpcracker.Configuration;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// A two-server pool of one protocol with its first server behind a <see cref="FaultRelay"/> and
/// the second reached directly, the proxy in the test process (two workers), and a key placed on
/// each: <see cref="Relayed"/> and <see cref="Direct"/>.
/// </summary>
internal sealed class RelayedPool : IAsyncDisposable
{
    private readonly ExternalProcess _faulty;
    private readonly ExternalProcess _healthy;

    private RelayedPool(WireProtocol protocol, ExternalProcess faulty, ExternalProcess healthy, FaultRelay relay, TestProxy proxy, PoolConfig pool)
    {
        Protocol = protocol;
        _faulty = faulty;
        _healthy = healthy;
        Relay = relay;
        Proxy = proxy;
        Relayed = KeyPlacement.KeyOn(pool, 0, "relayed");
        Direct = KeyPlacement.KeyOn(pool, 1, "direct");
    }

    public WireProtocol Protocol { get; }
    public FaultRelay Relay { get; }
    public TestProxy Proxy { get; }
    public int Port => Proxy.Port;

    /// <summary>A key the proxy sends through the relay.</summary>
    public string Relayed { get; }

    /// <summary>A key the proxy sends to the healthy server.</summary>
    public string Direct { get; }

    /// <param name="timeoutMs">The pool's timeout.</param>
    /// <param name="serverArgs">Extra arguments of both servers (e.g. redis-server's --requirepass).</param>
    /// <param name="poolKeys">Extra pool keys, one a line.</param>
    public static async Task<RelayedPool> StartAsync(WireProtocol protocol, int timeoutMs = 1000, string[]? serverArgs = null, string poolKeys = "")
    {
        ExternalProcess Start() => protocol == WireProtocol.Redis ? RedisServer.Start(serverArgs ?? []) : ExternalProcess.StartMemcached(serverArgs ?? []);
        var faulty = Start();
        var healthy = Start();
        var relay = new FaultRelay(faulty.Port);
        var port = FreePort.Next();
        var yaml = TestProxy.OnePool("pool", port, [relay.Port, healthy.Port],
            (protocol == WireProtocol.Redis ? "redis: true\n" : "") + $"hash: fnv1a_64\ndistribution: ketama\ntimeout: {timeoutMs}\n" + poolKeys);
        var proxy = await TestProxy.StartAsync(yaml, port, threads: 2);
        return new RelayedPool(protocol, faulty, healthy, relay, proxy, ConfigLoader.Parse(yaml, "relay.yml").Pools[0]);
    }

    public ProtocolClient Connect() => new(Protocol, Port);

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        Relay.Dispose();
        _faulty.Dispose();
        _healthy.Dispose();
    }
}
