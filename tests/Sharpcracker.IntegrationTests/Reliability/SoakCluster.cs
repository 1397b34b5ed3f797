using System.Globalization;
using System.Text.Json;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// Everything the soak runs against, on free loopback ports: a memcached pool "mc" (mc0–mc2, and
/// mc3 the spare a reload adds and removes), a Redis pool "rd" (rd0–rd2, spare rd3), a Sentinel
/// pool "ha" (one master, one replica, three sentinels), and one proxy process serving the three
/// pools (timeout 1000 ms, no auto-eject, so a key's server is its placement's). Servers are killed
/// and restarted on their own ports; everything is stopped by pid on dispose.
/// </summary>
internal sealed class SoakCluster : IDisposable
{
    public const int TimeoutMs = 1000;
    public const string Group = "soakha";

    private readonly Dictionary<string, ExternalProcess> _servers = new(StringComparer.Ordinal);
    private readonly RedisReplicaSet _ha;

    private SoakCluster(Dictionary<string, ExternalProcess> servers, RedisReplicaSet ha, SoakPool mc, SoakPool rd, SoakPool haPool, TestProxy proxy)
    {
        _servers = servers;
        _ha = ha;
        Memcached = mc;
        Redis = rd;
        Sentinel = haPool;
        Proxy = proxy;
    }

    public SoakPool Memcached { get; }
    public SoakPool Redis { get; }
    public SoakPool Sentinel { get; }
    public TestProxy Proxy { get; }
    public RedisReplicaSet ReplicaSet => _ha;
    public IReadOnlyList<SoakPool> Pools => [Memcached, Redis, Sentinel];

    /// <summary>The spare servers' (mc3, rd3) entries, and the three that are always in the pool.</summary>
    public static (string Name, int Port) Spare(SoakPool pool, Dictionary<string, ExternalProcess> servers)
        => (pool.Name + "3", servers[pool.Name + "3"].Port);

    public (string Name, int Port) Spare(SoakPool pool) => Spare(pool, _servers);

    public IReadOnlyList<string> BaseServers(SoakPool pool) => [pool.Name + "0", pool.Name + "1", pool.Name + "2"];

    public static async Task<SoakCluster> StartAsync()
    {
        var servers = new Dictionary<string, ExternalProcess>(StringComparer.Ordinal);
        RedisReplicaSet? ha = null;
        try
        {
            for (var i = 0; i < 4; i++)
            {
                servers["mc" + i] = ExternalProcess.StartMemcached();
                servers["rd" + i] = RedisServer.Start();
            }
            ha = await RedisReplicaSet.StartAsync(replicas: 1);
            await ha.StartSentinelsAsync(Group, downAfterMs: 1000);
            var keys = $"hash: fnv1a_64\ndistribution: ketama\ntimeout: {TimeoutMs}";
            List<(string, int)> Base(string prefix) => [.. Enumerable.Range(0, 3).Select(i => (prefix + i, servers[prefix + i].Port))];
            var mc = new SoakPool("mc", WireProtocol.MemcachedText, FreePort.Next(), keys, Base("mc"));
            var rd = new SoakPool("rd", WireProtocol.Redis, FreePort.Next(), "redis: true\n" + keys, Base("rd"));
            var sentinels = "  sentinels:\n" + string.Concat(ha.Sentinels.Select(s => $"    - 127.0.0.1:{s.Port.ToString(CultureInfo.InvariantCulture)}\n"));
            var haPool = new SoakPool("ha", WireProtocol.Redis, FreePort.Next(), $"redis: true\ntimeout: {TimeoutMs}", [(Group, 6379)], sentinels);
            var proxy = TestProxy.StartProcess(Yaml([mc, rd, haPool]), mc.Port, metrics: true);
            var cluster = new SoakCluster(servers, ha, mc, rd, haPool, proxy);
            proxy.WaitListening(rd.Port);
            proxy.WaitListening(haPool.Port);
            await cluster.WaitSentinelWritableAsync();
            return cluster;
        }
        catch
        {
            foreach (var s in servers.Values)
            {
                s.Dispose();
            }
            ha?.Dispose();
            throw;
        }
    }

    private static string Yaml(IEnumerable<SoakPool> pools) => string.Concat(pools.Select(p => p.Yaml()));

    /// <summary>Until a SET through the Sentinel pool is acknowledged (bounded).</summary>
    public Task WaitSentinelWritableAsync() => Poll.UntilAsync(async () =>
    {
        using var c = new RespConnection(Sentinel.Port);
        return await c.CallAsync("SET", "soak:probe", "1") == "+OK\r\n" ? "" : null;
    }, TimeSpan.FromSeconds(60), "the Sentinel pool takes writes");

    /// <summary>kill -9 of a plain pool's server.</summary>
    public void Kill(string name) => _servers[name].Dispose();

    /// <summary>A killed server started again, empty, on its own port (retried while the port is briefly held).</summary>
    public void Restart(string name)
    {
        var port = _servers[name].Port;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                _servers[name] = name.StartsWith("mc", StringComparison.Ordinal)
                    ? ExternalProcess.StartMemcachedOnPort(port)
                    : ExternalProcess.Start("redis-server",
                        ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning"], port);
                return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100); // the port is held by a socket in TIME_WAIT or a stray connect; no event to await
            }
        }
    }

    public void Signal(string name, string signal) => _servers[name].Signal(signal);

    /// <summary>Writes the configuration with <paramref name="pool"/>'s new servers, SIGHUP, and waits until the stats port lists them (bounded).</summary>
    public async Task ReloadAsync(SoakPool pool)
    {
        var file = Path.Combine(Proxy.Directory.FullName, "nutcracker.yml");
        var temporary = file + ".new";
        await File.WriteAllTextAsync(temporary, Yaml(Pools));
        File.Move(temporary, file, overwrite: true);
        Proxy.Signal("HUP");
        var expected = pool.Servers.Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();
        await Poll.UntilAsync(async () => (await ServerNamesAsync(pool.Name)).SequenceEqual(expected) ? "" : null,
            TimeSpan.FromSeconds(30), $"the reload of pool {pool.Name} applied");
    }

    /// <summary>The stats port's document.</summary>
    public async Task<JsonDocument> StatsAsync() => JsonDocument.Parse(await Proxy.ReadStatsAsync());

    private async Task<string[]> ServerNamesAsync(string pool)
    {
        using var stats = await StatsAsync();
        return [.. stats.RootElement.GetProperty(pool).EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object).Select(p => p.Name).Order(StringComparer.Ordinal)];
    }

    public void Dispose()
    {
        Proxy.Dispose();
        foreach (var s in _servers.Values)
        {
            s.Dispose();
        }
        _ha.Dispose();
    }
}
