using System.Globalization;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>
/// A real redis-server master with replicas (and optionally sentinels) on free loopback ports,
/// each replica linked before the set is returned; everything stopped by pid on dispose.
/// </summary>
public sealed class RedisReplicaSet : IDisposable
{
    private readonly List<ExternalProcess> _sentinels = [];
    private readonly string _dir;

    private RedisReplicaSet(string dir, ExternalProcess master, List<ExternalProcess> replicas)
    {
        _dir = dir;
        Nodes = [master, .. replicas];
    }

    /// <summary>Master first, then the replicas, as started (a failover changes the roles, not this list).</summary>
    public List<ExternalProcess?> Nodes { get; }

    public ExternalProcess Master => Nodes[0]!;
    public IEnumerable<ExternalProcess> Replicas => Nodes.Skip(1).Select(n => n!);
    public IReadOnlyList<ExternalProcess> Sentinels => _sentinels;

    /// <summary>
    /// Data-node arguments: no persistence, no diskless-sync delay (links up at once), and a
    /// directory of its own — a replica writes the RDB it receives there before loading it, so
    /// nodes sharing a directory could load each other's data.
    /// </summary>
    public static string[] NodeArgs(string dir)
    {
        var own = Directory.CreateDirectory(Path.Combine(dir, "node-" + Guid.NewGuid().ToString("N"))).FullName;
        return ["--repl-diskless-sync-delay", "0", "--dir", own];
    }

    public static async Task<RedisReplicaSet> StartAsync(int replicas)
    {
        var dir = Directory.CreateTempSubdirectory("sharpcracker-repl-").FullName;
        var master = RedisServer.Start(NodeArgs(dir));
        var list = new List<ExternalProcess>();
        for (var i = 0; i < replicas; i++)
        {
            list.Add(RedisServer.Start([.. NodeArgs(dir), "--replicaof", "127.0.0.1", master.Port.ToString(CultureInfo.InvariantCulture)]));
        }
        var set = new RedisReplicaSet(dir, master, list);
        foreach (var r in list)
        {
            await WaitLinkedAsync(r.Port);
        }
        return set;
    }

    /// <summary>Starts node <paramref name="index"/> again on its port, empty and without --replicaof (a restarted master).</summary>
    public ExternalProcess Restart(int index)
    {
        var port = Nodes[index]!.Port;
        Nodes[index]!.Dispose();
        // The freed port may briefly be the local port of some outgoing loopback connection (the
        // sentinels reconnect to the dead node all the time): bind fails, so retry, bounded.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                var node = ExternalProcess.Start("redis-server",
                    ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning", .. NodeArgs(_dir)], port);
                Nodes[index] = node;
                return node;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100); // waiting for a port another socket holds; there is no event for it
            }
        }
    }

    /// <summary>The port of the master the first sentinel names now.</summary>
    public Task<int> SentinelMasterPortAsync(string name) => SentinelMasterPortAsync(_sentinels[0].Port, name);

    private static async Task<int> SentinelMasterPortAsync(int sentinel, string name)
    {
        using var c = new RespConnection(sentinel);
        var reply = await c.CallAsync("SENTINEL", "get-master-addr-by-name", name);
        return int.Parse(reply.Split("\r\n")[4], CultureInfo.InvariantCulture);
    }

    /// <summary>Until the replica on <paramref name="port"/> reports master_link_status:up (bounded).</summary>
    public static Task WaitLinkedAsync(int port) => Poll.UntilAsync(async () =>
    {
        try
        {
            using var c = new RespConnection(port);
            var info = await c.CallAsync("INFO", "replication");
            return info.Contains("master_link_status:up", StringComparison.Ordinal) ? info : null;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null;
        }
    }, TimeSpan.FromSeconds(30), $"replica on {port} linked");

    /// <summary>
    /// Until the set is ready for another failover, and returns its master's port: every sentinel
    /// names the same master, which reports role:master, and every other running node reports its
    /// link to it up and is seen by every sentinel as a replica of it that reports role slave with
    /// its link ok. The last condition matters: a sentinel that last saw the node claiming the master
    /// role (its INFO refresh of a replica comes every 10 s) takes a promotion of that node for a
    /// replica gone astray and converts it back (+convert-to-slave) before the leader's new
    /// configuration reaches it; the promotion then aborts or, once the leader has switched, is
    /// undone by a second failover some 20 s later. The demoted master is converted on an INFO
    /// refresh at least 8 s after it was first seen still claiming the master role, so one missed
    /// refresh makes it 20–30 s before its sync starts: hence 60 s. On timeout the message has each
    /// node's INFO replication and each sentinel's view, so a failure says which step did not happen.
    /// </summary>
    public async Task<int> WaitSettledAsync(string name)
    {
        try
        {
            return (int)await Poll.UntilAsync(async () =>
            {
                try
                {
                    return await SettledMasterAsync(name) is { } master ? (object)master : null;
                }
                catch (Exception x) when (x is System.Net.Sockets.SocketException or IOException)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(60), $"{name} settled for another failover");
        }
        catch (TimeoutException e)
        {
            async Task<string> Ask(int p, params string[] command)
            {
                try
                {
                    using var c = new RespConnection(p);
                    return (await c.CallAsync(command)).Replace("\r\n", " ", StringComparison.Ordinal);
                }
                catch (Exception x) when (x is System.Net.Sockets.SocketException or IOException)
                {
                    return x.Message;
                }
            }
            var text = e.Message;
            foreach (var node in Nodes.OfType<ExternalProcess>())
            {
                text += $"; node {node.Port}: {await Ask(node.Port, "INFO", "replication")}";
            }
            foreach (var s in _sentinels)
            {
                text += $"; sentinel {s.Port}: master {await Ask(s.Port, "SENTINEL", "get-master-addr-by-name", name)}, replicas {await Ask(s.Port, "SENTINEL", "replicas", name)}";
            }
            throw new TimeoutException(text, e);
        }
    }

    /// <summary>The master's port when <see cref="WaitSettledAsync"/>'s conditions hold now, else null.</summary>
    private async Task<int?> SettledMasterAsync(string name)
    {
        int? master = null;
        foreach (var s in _sentinels)
        {
            var named = await SentinelMasterPortAsync(s.Port, name);
            if (master is not null && named != master)
            {
                return null;
            }
            master = named;
        }
        if (master is not { } m)
        {
            return null;
        }
        using (var c = new RespConnection(m))
        {
            if (!(await c.CallAsync("INFO", "replication")).Contains("role:master", StringComparison.Ordinal))
            {
                return null;
            }
        }
        foreach (var node in Nodes.OfType<ExternalProcess>().Where(n => n.Port != m))
        {
            using (var c = new RespConnection(node.Port))
            {
                var info = await c.CallAsync("INFO", "replication");
                if (!info.Contains("master_link_status:up", StringComparison.Ordinal) || !info.Contains($"master_port:{m}\r\n", StringComparison.Ordinal))
                {
                    return null;
                }
            }
            foreach (var s in _sentinels)
            {
                using var c = new RespConnection(s.Port);
                var seen = Records(await c.CallAsync("SENTINEL", "replicas", name)).FirstOrDefault(r => r.GetValueOrDefault("port") == node.Port.ToString(CultureInfo.InvariantCulture));
                if (seen is null || seen.GetValueOrDefault("role-reported") != "slave" || seen.GetValueOrDefault("master-link-status") != "ok"
                    || seen.GetValueOrDefault("master-port") != m.ToString(CultureInfo.InvariantCulture))
                {
                    return null;
                }
            }
        }
        return m;
    }

    /// <summary>The records of a RESP2 array of flat field/value arrays (SENTINEL replicas) rendered as text.</summary>
    private static List<Dictionary<string, string>> Records(string reply)
    {
        var lines = reply.Split("\r\n");
        var records = new List<Dictionary<string, string>>();
        var i = 1; // past "*N"
        while (i < lines.Length && lines[i].StartsWith('*'))
        {
            var fields = int.Parse(lines[i][1..], CultureInfo.InvariantCulture);
            var record = new Dictionary<string, string>(StringComparer.Ordinal);
            i++;
            for (var f = 0; f < fields / 2; f++, i += 4)
            {
                record[lines[i + 1]] = lines[i + 3]; // "$len", field, "$len", value
            }
            records.Add(record);
        }
        return records;
    }

    /// <summary>
    /// Three sentinels monitoring the master as <paramref name="name"/> (quorum 2, down-after
    /// <paramref name="downAfterMs"/>) — and the masters of <paramref name="others"/> under their
    /// names — each from a fresh config file, optionally with <c>requirepass</c>; returns when each
    /// sentinel knows every replica and the other sentinels (bounded).
    /// </summary>
    public async Task StartSentinelsAsync(string name, int downAfterMs = 1000, int count = 3, string? password = null,
        IReadOnlyList<(string Name, RedisReplicaSet Set)>? others = null)
    {
        List<(string Name, RedisReplicaSet Set)> groups = [(name, this), .. others ?? []];
        for (var i = 0; i < count; i++)
        {
            var port = FreePort.Next();
            var file = Path.Combine(_dir, $"sentinel-{port}.conf");
            var text = $"port {port}\nbind 127.0.0.1\ndaemonize no\nprotected-mode no\ndir {_dir}\n";
            if (password is not null)
            {
                text += $"requirepass {password}\n";
            }
            foreach (var (g, set) in groups)
            {
                text += $"sentinel monitor {g} 127.0.0.1 {set.Master.Port} 2\nsentinel down-after-milliseconds {g} {downAfterMs}\n"
                    + $"sentinel failover-timeout {g} 5000\nsentinel parallel-syncs {g} 1\n";
            }
            File.WriteAllText(file, text);
            _sentinels.Add(ExternalProcess.Start("redis-server", [file, "--sentinel", "--loglevel", "warning"], port));
        }
        foreach (var s in _sentinels)
        {
            foreach (var (g, set) in groups)
            {
                await Poll.UntilAsync(async () =>
                {
                    using var c = new RespConnection(s.Port);
                    if (password is not null)
                    {
                        await c.CallAsync("AUTH", password);
                    }
                    var master = await c.CallAsync("SENTINEL", "master", g);
                    var slaves = Field(master, "num-slaves");
                    var others = Field(master, "num-other-sentinels");
                    return slaves == (set.Nodes.Count - 1).ToString(CultureInfo.InvariantCulture) && others == (count - 1).ToString(CultureInfo.InvariantCulture) ? master : null;
                }, TimeSpan.FromSeconds(30), $"sentinel {s.Port} sees the replicas of {g} and the other sentinels");
            }
        }
    }

    /// <summary>The value after a field name in a flat RESP field/value array rendered as text.</summary>
    public static string? Field(string reply, string name)
    {
        var lines = reply.Split("\r\n");
        for (var i = 0; i + 2 < lines.Length; i++)
        {
            if (lines[i] == name)
            {
                return lines[i + 2];
            }
        }
        return null;
    }

    /// <summary>
    /// Until <paramref name="replicas"/> replicas have everything the master on <paramref name="port"/>
    /// holds now. WAIT covers the writes of its own connection only (a fresh connection has none),
    /// so a write on this connection first makes it cover everything before it.
    /// </summary>
    public static async Task WaitReplicatedAsync(int port, int replicas)
    {
        using var m = new RespConnection(port);
        Assert.Equal("+OK\r\n", await m.CallAsync("SET", "sharpcracker:test:sync", "1"));
        Assert.Equal($":{replicas}\r\n", await m.CallAsync("WAIT", replicas.ToString(CultureInfo.InvariantCulture), "10000"));
    }

    /// <summary>calls per command from INFO commandstats ("get" → calls).</summary>
    public static async Task<Dictionary<string, long>> CommandCallsAsync(int port)
    {
        using var c = new RespConnection(port);
        return await CommandCallsAsync(c);
    }

    /// <summary>calls per command from INFO commandstats, on a given connection (a TLS one).</summary>
    public static async Task<Dictionary<string, long>> CommandCallsAsync(RespConnection c)
    {
        var info = await c.CallAsync("INFO", "commandstats");
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in info.Split("\r\n"))
        {
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                var name = line[8..line.IndexOf(':')];
                var value = line[(line.IndexOf("calls=", StringComparison.Ordinal) + 6)..];
                calls[name] = long.Parse(value[..value.IndexOf(',')], CultureInfo.InvariantCulture);
            }
        }
        return calls;
    }

    public void Dispose()
    {
        foreach (var s in _sentinels)
        {
            s.Dispose();
        }
        foreach (var n in Nodes)
        {
            n?.Dispose();
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
