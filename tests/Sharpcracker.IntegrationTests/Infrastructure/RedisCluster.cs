using Sharpcracker.IntegrationTests.Redis;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>One node as CLUSTER NODES lists it.</summary>
public sealed record RedisClusterNode(string Id, int Port, bool IsMaster, bool Failed, string? MasterId, IReadOnlyList<(int First, int Last)> Slots)
{
    public bool Serves(int slot) => Slots.Any(r => r.First <= slot && slot <= r.Last);
}

/// <summary>
/// A real Redis Cluster on free loopback ports (each node's bus port, P + 10000, free too):
/// redis-server with cluster-enabled and a 1 s node timeout, created with
/// <c>redis-cli --cluster create … --cluster-yes</c>; every node stopped by its pid on dispose.
/// </summary>
public sealed class RedisCluster : IDisposable
{
    private readonly DirectoryInfo _dir;
    private readonly Dictionary<int, ExternalProcess> _nodes;
    /// <summary>Set for a TLS-only cluster: clients, the bus and replication speak TLS only (the test CA's "server" certificate).</summary>
    private readonly TestCertificates? _tls;

    private RedisCluster(DirectoryInfo dir, Dictionary<int, ExternalProcess> nodes, TestCertificates? tls)
    {
        _dir = dir;
        _nodes = nodes;
        _tls = tls;
    }

    /// <summary>A connection to a node: TLS in a TLS-only cluster.</summary>
    public async Task<RespConnection> ConnectAsync(int port) => _tls is null ? new RespConnection(port) : await RespConnection.ConnectTlsAsync(port, _tls);

    public IReadOnlyList<int> Ports => [.. _nodes.Keys];

    /// <summary>Nodes still running.</summary>
    public IEnumerable<int> LivePorts => _nodes.Keys.Where(p => !_killed.Contains(p));

    private readonly HashSet<int> _killed = [];

    /// <summary>Creates the cluster and waits (bounded) until every node says cluster_state:ok and every replica has synced.</summary>
    /// <param name="tls">TLS only (<c>port 0</c>, <c>tls-port</c>, <c>tls-cluster yes</c>, <c>tls-replication yes</c>) with these certificates.</param>
    public static async Task<RedisCluster> StartAsync(int masters = 3, int replicasPerMaster = 1, TestCertificates? tls = null)
    {
        var dir = Directory.CreateTempSubdirectory("sc-cluster");
        var nodes = new Dictionary<int, ExternalProcess>();
        var cluster = new RedisCluster(dir, nodes, tls);
        try
        {
            for (var i = 0; i < masters * (1 + replicasPerMaster); i++)
            {
                // The bus port was free when checked, but an outgoing connection may take it before the
                // node binds it (both are in the ephemeral range): then the node exits and another pair is tried.
                for (var attempt = 1; ; attempt++)
                {
                    var port = FreePort.NextWithCompanion(10000);
                    var nodeDir = Directory.CreateDirectory(Path.Combine(dir.FullName, "n" + port)).FullName;
                    try
                    {
                        nodes[port] = ExternalProcess.Start("redis-server",
                        [
                            .. ListenArgs(port, tls), "--bind", "127.0.0.1", "--dir", nodeDir, "--cluster-enabled", "yes",
                            "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000", "--save", "", "--appendonly", "no",
                            "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning", "--repl-diskless-sync-delay", "0",
                        ], port);
                        break;
                    }
                    catch (InvalidOperationException) when (attempt < 5)
                    {
                    }
                }
            }
            var create = await RedisToolsTests.RunAsync("redis-cli", [.. tls is null ? [] : new[] { "--tls", "--cacert", tls.CaFile }, "--cluster", "create", .. nodes.Keys.Select(p => "127.0.0.1:" + p),
                "--cluster-replicas", replicasPerMaster.ToString(), "--cluster-yes"]);
            if (create.Exit != 0)
            {
                throw new InvalidOperationException($"redis-cli --cluster create failed: {create.Out} {create.Err}");
            }
            await cluster.WaitUntilHealthyAsync(masters, masters * replicasPerMaster, TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>The node's listening arguments: its port, or TLS only on it (the bus port, +10000, is TLS then too).</summary>
    private static string[] ListenArgs(int port, TestCertificates? tls) => tls is null
        ? ["--port", port.ToString()]
        :
        [
            "--port", "0", "--tls-port", port.ToString(), "--tls-cert-file", tls.Cert("server"), "--tls-key-file", tls.Key("server"),
            "--tls-ca-cert-file", tls.CaFile, "--tls-auth-clients", "no", "--tls-cluster", "yes", "--tls-replication", "yes",
        ];

    /// <summary>Polls until every live node reports cluster_state:ok, the expected masters serve all slots, and each replica's link is up.</summary>
    public Task WaitUntilHealthyAsync(int masters, int replicas, TimeSpan within) => Poll.UntilAsync<object>(async () =>
    {
        foreach (var port in LivePorts)
        {
            using var c = await ConnectAsync(port);
            var info = await c.CallAsync("CLUSTER", "INFO");
            if (!info.Contains("cluster_state:ok") || !info.Contains($"cluster_size:{masters}\r\n"))
            {
                return null;
            }
            var replication = await c.CallAsync("INFO", "replication");
            if (replication.Contains("role:slave") && !replication.Contains("master_link_status:up"))
            {
                return null;
            }
        }
        var nodes = await NodesAsync();
        var live = nodes.Where(n => !n.Failed).ToList();
        return live.Count(n => n.IsMaster && n.Slots.Count > 0) == masters && live.Count(n => !n.IsMaster) >= replicas ? new object() : null;
    }, within, "the Redis Cluster did not become healthy");

    /// <summary>CLUSTER NODES from a live node, parsed.</summary>
    public async Task<List<RedisClusterNode>> NodesAsync(int? fromPort = null)
    {
        using var c = await ConnectAsync(fromPort ?? LivePorts.First());
        var text = await c.CallAsync("CLUSTER", "NODES");
        var body = text[(text.IndexOf("\r\n", StringComparison.Ordinal) + 2)..];
        var nodes = new List<RedisClusterNode>();
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split(' ');
            if (f.Length < 8)
            {
                continue;
            }
            var address = f[1].Split('@')[0];
            var port = int.Parse(address[(address.LastIndexOf(':') + 1)..]);
            var flags = f[2].Split(',');
            var slots = new List<(int, int)>();
            foreach (var s in f.Skip(8).Where(s => !s.StartsWith('[')))
            {
                var dash = s.IndexOf('-');
                slots.Add(dash < 0 ? (int.Parse(s), int.Parse(s)) : (int.Parse(s[..dash]), int.Parse(s[(dash + 1)..])));
            }
            nodes.Add(new RedisClusterNode(f[0], port, flags.Contains("master"), flags.Contains("fail") || flags.Contains("fail?"), f[3] == "-" ? null : f[3], slots));
        }
        return nodes;
    }

    /// <summary>The hash slot of a key, as the cluster computes it (CLUSTER KEYSLOT).</summary>
    public async Task<int> KeySlotAsync(string key)
    {
        using var c = await ConnectAsync(LivePorts.First());
        var reply = await c.CallAsync("CLUSTER", "KEYSLOT", key);
        return int.Parse(reply[1..^2]);
    }

    /// <summary>The live master serving a slot.</summary>
    public async Task<RedisClusterNode> MasterOfAsync(int slot)
        => (await NodesAsync()).Single(n => n.IsMaster && !n.Failed && n.Serves(slot));

    /// <summary>
    /// Moves a slot from its master to <paramref name="target"/> the way redis-cli --cluster reshard does:
    /// IMPORTING on the target, MIGRATING on the source, MIGRATE of the keys <paramref name="batch"/> at a
    /// time (with <paramref name="between"/> awaited between batches), then SETSLOT NODE everywhere.
    /// </summary>
    public async Task MigrateSlotAsync(int slot, RedisClusterNode target, int batch = 10, Func<Task>? between = null)
    {
        var source = await MasterOfAsync(slot);
        using var src = await ConnectAsync(source.Port);
        using var dst = await ConnectAsync(target.Port);
        Expect(await dst.CallAsync("CLUSTER", "SETSLOT", slot.ToString(), "IMPORTING", source.Id), "+OK");
        Expect(await src.CallAsync("CLUSTER", "SETSLOT", slot.ToString(), "MIGRATING", target.Id), "+OK");
        while (true)
        {
            var keys = ParseBulkArray(await src.CallAsync("CLUSTER", "GETKEYSINSLOT", slot.ToString(), batch.ToString()));
            if (keys.Count == 0)
            {
                break;
            }
            var reply = await src.CallAsync(["MIGRATE", "127.0.0.1", target.Port.ToString(), "", "0", "5000", "KEYS", .. keys]);
            Expect(reply, "+OK");
            if (between is not null)
            {
                await between();
            }
        }
        // The target first, then the source (so the source's MOVED never points at a node that would send it back), then the others.
        var masters = (await NodesAsync()).Where(n => n.IsMaster && !n.Failed).OrderBy(n => n.Id == target.Id ? 0 : n.Id == source.Id ? 1 : 2);
        foreach (var master in masters)
        {
            using var c = await ConnectAsync(master.Port);
            Expect(await c.CallAsync("CLUSTER", "SETSLOT", slot.ToString(), "NODE", target.Id), "+OK");
        }
    }

    private static void Expect(string reply, string start)
    {
        if (!reply.StartsWith(start, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"cluster command answered {reply.Trim()}");
        }
    }

    /// <summary>An array of bulk strings (RESP) as a list.</summary>
    public static List<string> ParseBulkArray(string reply)
    {
        var lines = reply.Split("\r\n");
        var items = new List<string>();
        for (var i = 1; i + 1 < lines.Length; i += 2)
        {
            if (lines[i].StartsWith('$'))
            {
                items.Add(lines[i + 1]);
            }
        }
        return items;
    }

    /// <summary>kill -9 of one node.</summary>
    public void Kill(int port)
    {
        _nodes[port].Signal("KILL");
        _killed.Add(port);
    }

    public void Dispose()
    {
        foreach (var node in _nodes.Values)
        {
            node.Dispose();
        }
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
