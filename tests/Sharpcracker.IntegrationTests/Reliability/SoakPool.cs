using System.Globalization;
using Sharpcracker.Configuration;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// One pool of the soak: its protocol, listen port, the servers in it now and the spare a reload
/// adds or removes, and where keys go. During a reload both memberships are possible for a
/// request, so <see cref="OwnersOf"/> names both owners until the new one is known applied.
/// </summary>
internal sealed class SoakPool
{
    private readonly string _extraKeys;
    private volatile SoakPlacement _current;
    private volatile SoakPlacement? _pending;

    public SoakPool(string name, WireProtocol protocol, int port, string extraKeys, List<(string Name, int Port)> servers, string? sentinels = null)
    {
        Name = name;
        Protocol = protocol;
        Port = port;
        _extraKeys = extraKeys;
        Servers = servers;
        Sentinels = sentinels;
        _current = new SoakPlacement(Parse(Yaml(servers)));
    }

    public string Name { get; }
    public WireProtocol Protocol { get; }
    public int Port { get; }

    /// <summary>The membership the proxy serves now.</summary>
    public SoakPlacement Current => _current;

    /// <summary>The servers in the pool's file now (the fault loop alone changes it).</summary>
    public List<(string Name, int Port)> Servers { get; private set; }

    /// <summary>The sentinels' lines of a Sentinel pool (its one server is the group's name), null for a plain pool.</summary>
    public string? Sentinels { get; }

    public string Yaml() => Yaml(Servers);

    private string Yaml(IEnumerable<(string Name, int Port)> servers)
    {
        var extra = string.Concat(_extraKeys.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(k => "  " + k.Trim() + "\n"));
        var list = string.Concat(servers.Select(s => $"    - 127.0.0.1:{s.Port.ToString(CultureInfo.InvariantCulture)}:1 {s.Name}\n"));
        return $"{Name}:\n  listen: 127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}\n{extra}{Sentinels ?? ""}  servers:\n{list}";
    }

    private static PoolConfig Parse(string yaml) => ConfigLoader.Parse(yaml, "soak.yml").Pools[0];

    /// <summary>The servers <paramref name="key"/> may go to now: its owner, and during a reload its owner after it.</summary>
    public string[] OwnersOf(string key)
    {
        var pending = _pending;
        var owner = _current.OwnerOf(key);
        return pending is null || pending.OwnerOf(key) == owner ? [owner] : [owner, pending.OwnerOf(key)];
    }

    /// <summary>A reload begins: the new membership becomes possible. Returns the old and new placements.</summary>
    public (SoakPlacement Old, SoakPlacement New) BeginChange(List<(string Name, int Port)> servers)
    {
        var next = new SoakPlacement(Parse(Yaml(servers)));
        _pending = next;
        Servers = servers;
        return (_current, next);
    }

    /// <summary>The proxy applied the reload: only the new membership is possible.</summary>
    public void EndChange()
    {
        _current = _pending ?? _current;
        _pending = null;
    }
}
