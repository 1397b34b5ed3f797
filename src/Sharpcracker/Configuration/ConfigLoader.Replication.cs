using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Sharpcracker.Configuration;

/// <summary>
/// The multi-process twemproxy fork's file layout (<c>global:</c> + <c>pools:</c>) and the
/// replication keys: its <c>master</c> server name, and Sharpcracker's <c>read_policy</c>,
/// <c>sentinels</c>, <c>sentinel_auth</c> (docs/redis.md "Replication groups").
/// </summary>
internal static partial class ConfigLoader
{
    /// <summary>The fork's client_connections default (twemproxy's is 0 = unlimited).</summary>
    public const int ForkClientConnections = 2048;

    private static readonly HashSet<string> s_globalKeys =
        ["worker_processes", "max_openfiles", "user", "group", "worker_shutdown_timeout"];

    /// <summary>
    /// The mapping that holds the pools: <paramref name="root"/> itself for twemproxy's flat layout,
    /// or the value of <c>pools:</c> for the fork's. A file is in the fork's layout when its top
    /// level has a <c>pools:</c> mapping and nothing but <c>global:</c> beside it, and neither is a
    /// flat pool (a mapping with <c>listen:</c>).
    /// </summary>
    private static YamlMappingNode ForkPools(string path, YamlMappingNode root, out GlobalConfig? global, out List<string> warnings)
    {
        global = null;
        warnings = [];
        YamlNode? Section(string name) => root.Children.TryGetValue(new YamlScalarNode(name), out var n) ? n : null;
        static bool IsFlatPool(YamlNode? n) => n is YamlMappingNode m && m.Children.ContainsKey(new YamlScalarNode("listen"));
        var pools = Section("pools");
        var globalNode = Section("global");
        if (pools is not YamlMappingNode poolsMap || IsFlatPool(pools) || IsFlatPool(globalNode))
        {
            return root;
        }
        foreach (var key in root.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (name is not ("global" or "pools"))
            {
                throw new ConfigException($"conf: '{path}': unknown section: {name} (line {key.Start.Line}); a file with \"pools:\" has only \"global:\" beside it");
            }
        }
        if (poolsMap.Children.Count == 0)
        {
            throw new ConfigException($"conf: '{path}' has no pools");
        }
        if (globalNode is not null)
        {
            global = ParseGlobal(path, globalNode, warnings);
        }
        return poolsMap;
    }

    private static GlobalConfig ParseGlobal(string path, YamlNode node, List<string> warnings)
    {
        if (node is YamlScalarNode { Value: null or "" })
        {
            return new GlobalConfig();
        }
        if (node is not YamlMappingNode map)
        {
            throw new ConfigException($"conf: '{path}': section \"global:\" (line {node.Start.Line}) is not a mapping of settings");
        }
        var values = new Dictionary<string, YamlScalarNode>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            string Where() => $"conf: '{path}': global: directive \"{key}\" (line {k.Start.Line})";
            if (!s_globalKeys.Contains(key))
            {
                throw new ConfigException($"{Where()} is unknown");
            }
            if (v is not YamlScalarNode scalar)
            {
                throw new ConfigException($"{Where()} must be a single value");
            }
            if (!values.TryAdd(key, scalar))
            {
                throw new ConfigException($"{Where()} is a duplicate");
            }
        }
        int? Int(string key, bool allowAuto = false)
        {
            if (!values.TryGetValue(key, out var n))
            {
                return null;
            }
            var s = n.Value ?? "";
            if (allowAuto && s == "auto")
            {
                return Environment.ProcessorCount;
            }
            if (s.Length == 0 || s.Length > 9 || !s.All(char.IsAsciiDigit))
            {
                throw new ConfigException($"conf: '{path}': global: directive \"{key}\" (line {n.Start.Line}) is not a number: '{s}'");
            }
            return int.Parse(s, CultureInfo.InvariantCulture);
        }
        var workers = Int("worker_processes", allowAuto: true);
        var global = new GlobalConfig
        {
            // 0 is the fork's single-process mode: one event loop.
            WorkerThreads = workers is 0 ? 1 : workers,
            MaxOpenFiles = Int("max_openfiles"),
            User = values.GetValueOrDefault("user")?.Value,
            Group = values.GetValueOrDefault("group")?.Value,
            WorkerShutdownTimeoutSeconds = Int("worker_shutdown_timeout"),
        };
        if (global.User is not null || global.Group is not null)
        {
            warnings.Add("global: \"user\"/\"group\" are not applied: Sharpcracker is one process and does not switch users; start it as that user (systemd User=/Group=)");
        }
        return global;
    }

    private readonly record struct ReplicationKeys(ReplicationMode Mode, ReadPolicy? Policy, IReadOnlyList<ServerConfig>? Sentinels);

    private static ReplicationKeys ParseReplicationKeys(string path, string pool, Dictionary<string, YamlNode> values, bool redis, List<ServerConfig> servers, string? policyText, bool cluster)
    {
        string Where(string key) => $"conf: '{path}': pool '{pool}': directive \"{key}\" (line {values[key].Start.Line})";
        var hasMaster = servers.Any(s => s.Name == ReplicationNames.MasterServerName);
        if (hasMaster && !redis)
        {
            // The fork's own text.
            throw new ConfigException($"conf: '{path}': pool '{pool}': directive \"redis_master:\" is only valid for a redis pool");
        }
        ReadPolicy? policy = null;
        if (policyText is not null)
        {
            if (!ReplicationNames.TryParse(policyText, out var p))
            {
                throw new ConfigException($"{Where("read_policy")} is not one of master, prefer_master, replica, prefer_replica, any: '{policyText}'");
            }
            policy = p;
        }
        List<ServerConfig>? sentinels = null;
        if (values.TryGetValue("sentinels", out var node))
        {
            if (!redis)
            {
                throw new ConfigException($"{Where("sentinels")} is only valid for a redis pool");
            }
            if (hasMaster)
            {
                throw new ConfigException($"{Where("sentinels")} cannot be combined with a server named \"master\": in a Sentinel pool every server name is a Sentinel master name");
            }
            if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
            {
                throw new ConfigException($"{Where("sentinels")} must be a non-empty list of \"host:port[:weight]\" entries");
            }
            sentinels = [];
            foreach (var item in seq.Children)
            {
                var text = (item as YamlScalarNode)?.Value?.Trim() ?? "";
                var parsed = ParseServer(text) ?? ParseServer(text + ":1");
                if (parsed is null || parsed.IsUnix || parsed.HasExplicitName)
                {
                    throw new ConfigException($"{Where("sentinels")} has an invalid \"host:port[:weight]\" entry: '{text}' (line {item.Start.Line})");
                }
                sentinels.Add(parsed);
            }
            if (values.ContainsKey("vbucket_map") || values.ContainsKey("vbucket_map_file"))
            {
                throw new ConfigException($"{Where("sentinels")} cannot be combined with a vbucket map");
            }
            foreach (var s in servers.Where(s => !s.HasExplicitName))
            {
                throw new ConfigException($"conf: '{path}': pool '{pool}': server '{s.Text}' needs a name: in a Sentinel pool a server's name is its Sentinel master name");
            }
            return new ReplicationKeys(ReplicationMode.Sentinel, policy, sentinels);
        }
        if (values.ContainsKey("sentinel_auth"))
        {
            throw new ConfigException($"{Where("sentinel_auth")} is only valid with \"sentinels:\"");
        }
        if (!hasMaster)
        {
            // A redis_cluster pool's groups are its masters and their replicas, from the cluster.
            if (policy is not null && !cluster)
            {
                throw new ConfigException($"{Where("read_policy")} needs a replication group: a server named \"master\", \"sentinels:\" or \"distribution: redis_cluster\"");
            }
            return new ReplicationKeys(ReplicationMode.None, policy, null);
        }
        if (servers.Count < 2)
        {
            // The fork's text: the master does not count as one of the pool's servers.
            throw new ConfigException($"conf: '{path}': pool '{pool}': pool has no servers (a server named \"master\" needs at least one other server, its replica)");
        }
        return new ReplicationKeys(ReplicationMode.StaticMaster, policy, null);
    }
}
