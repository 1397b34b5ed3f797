using System.Globalization;
using Sharpcracker.Configuration.Routes;
using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sharpcracker.Configuration;

/// <summary>
/// Reads a twemproxy (nutcracker) YAML file unchanged: the same keys, the same defaults, the
/// same value rules (plain digits, exactly true/false, two-character hash_tag). Unlike
/// twemproxy, every rejection says which file, pool and key is wrong and why.
/// </summary>
internal static partial class ConfigLoader
{
    private static readonly HashSet<string> s_knownKeys =
    [
        "listen", "hash", "hash_tag", "distribution", "timeout", "backlog", "client_connections", "redis",
        "tcpkeepalive", "reuseport", "redis_auth", "redis_db", "preconnect", "auto_eject_hosts",
        "server_connections", "server_retry_timeout", "server_failure_limit", "servers",
        "request_size_limit", "client_output_limit", "server_inflight_limit",
        "vbucket_map", "vbucket_map_file", "auth_file", "memcache_protocol",
        "read_policy", "sentinels", "sentinel_auth", "discovery_timeout", "health_check_interval",
        "dedicated_connections",
        "redis_refuse_commands",
        "route",
    ];

    /// <summary>Keys about a pool's servers: refused on a listener that routes (it has none).</summary>
    private static readonly string[] s_serverSideKeys =
    [
        "hash", "hash_tag", "distribution", "preconnect", "auto_eject_hosts", "server_connections", "server_retry_timeout",
        "server_failure_limit", "server_inflight_limit", "vbucket_map", "vbucket_map_file", "read_policy", "sentinels",
        "sentinel_auth", "discovery_timeout", "health_check_interval", "redis_auth", "redis_db", "dedicated_connections",
    ];

    public static ProxyConfig LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"conf: cannot open configuration file '{path}': {e.Message}");
        }
        return Parse(text, path);
    }

    public static ProxyConfig Parse(string yaml, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // YamlDotNet refuses a repeated key itself; say which pool and directive, as for other errors.
            var duplicate = DuplicateKey().Match(e.Message);
            if (duplicate.Success && PoolAtLine(yaml, (int)e.Start.Line) is { } poolName)
            {
                throw new ConfigException($"conf: '{path}': pool '{poolName}': directive \"{duplicate.Groups[1].Value}\" (line {e.Start.Line}) is a duplicate");
            }
            throw new ConfigException($"conf: '{path}' is not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet 16.3 throws these, not YamlException, for some malformed text (found by
            // fuzzing: " : 0", a stray '[' inside a block mapping); a bad file must be a
            // ConfigException naming it, never an unhandled exception at start or reload.
            throw new ConfigException($"conf: '{path}' is not valid YAML: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root || root.Children.Count == 0)
        {
            throw new ConfigException($"conf: '{path}' has no pools");
        }
        if (stream.Documents.Count > 1)
        {
            throw new ConfigException($"conf: '{path}' has more than one YAML document");
        }

        // The multi-process fork's layout (global: + pools:) or twemproxy's flat one (ConfigLoader.Fork.cs).
        var poolsNode = ForkPools(path, root, out var global, out var warnings);
        var forkLayout = poolsNode != root;
        var pools = new List<PoolConfig>();
        foreach (var (keyNode, valueNode) in poolsNode.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } poolName })
            {
                throw new ConfigException($"conf: '{path}': the pool name at line {keyNode.Start.Line} is not a plain string");
            }
            if (valueNode is not YamlMappingNode poolNode)
            {
                throw new ConfigException($"conf: '{path}': pool '{poolName}' (line {keyNode.Start.Line}) is not a mapping of settings");
            }
            pools.Add(ParsePool(path, poolName, poolNode, forkLayout));
        }
        var routePools = pools.Where(p => p.ServesRoutesOnly).ToList();
        pools.RemoveAll(p => p.ServesRoutesOnly);
        if (pools.Count == 0)
        {
            // twemproxy's own complaint for its one-pool file: the first pool lacks listen.
            throw new ConfigException($"conf: '{path}': pool '{routePools[0].Name}': directive \"listen:\" is missing");
        }
        warnings = [.. warnings, .. CheckRoutes(path, pools, routePools)];

        for (var i = 0; i < pools.Count; i++)
        {
            for (var j = i + 1; j < pools.Count; j++)
            {
                if (pools[i].Listen.Text == pools[j].Listen.Text)
                {
                    throw new ConfigException($"conf: '{path}': pools '{pools[i].Name}' and '{pools[j].Name}' have the same listen address '{pools[i].Listen.Text}'");
                }
            }
        }
        // twemproxy keeps pools (and servers) sorted by name: shorter first, then byte order.
        pools.Sort((a, b) => CompareNames(a.Name, b.Name));
        routePools.Sort((a, b) => CompareNames(a.Name, b.Name));
        return new ProxyConfig(path, pools) { Global = global, Warnings = warnings, RoutePools = routePools };
    }

    private static PoolConfig ParsePool(string path, string pool, YamlMappingNode node, bool forkLayout = false)
    {
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (k, v) in node.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            string Where() => $"conf: '{path}': pool '{pool}': directive \"{key}\" (line {k.Start.Line})";
            if (!s_knownKeys.Contains(key) && !s_tlsKeys.Contains(key))
            {
                throw new ConfigException($"{Where()} is unknown");
            }
            if (!values.TryAdd(key, v))
            {
                throw new ConfigException($"{Where()} is a duplicate");
            }
        }

        ConfigException Bad(string key, string what)
            => new($"conf: '{path}': pool '{pool}': directive \"{key}\" (line {values[key].Start.Line}) {what}");

        string? Scalar(string key)
        {
            if (!values.TryGetValue(key, out var n))
            {
                return null;
            }
            if (n is not YamlScalarNode s)
            {
                throw Bad(key, "must be a single value");
            }
            return s.Value ?? "";
        }

        int? Int(string key)
        {
            var s = Scalar(key);
            if (s is null)
            {
                return null;
            }
            if (s.Length == 0 || s.Length > 9 || !s.All(char.IsAsciiDigit))
            {
                throw Bad(key, $"is not a number: '{s}'");
            }
            return int.Parse(s, CultureInfo.InvariantCulture);
        }

        int? Positive(string key)
        {
            var n = Int(key);
            return n == 0 ? throw Bad(key, "cannot be 0") : n;
        }

        // Sharpcracker's byte limits (not twemproxy's keys, so not bound by its nine-digit
        // numbers): any positive int, so 1 GiB and more can be written out.
        int? ByteLimit(string key)
        {
            var s = Scalar(key);
            if (s is null)
            {
                return null;
            }
            if (s.Length == 0 || s.Length > 10 || !s.All(char.IsAsciiDigit))
            {
                throw Bad(key, $"is not a number: '{s}'");
            }
            var n = long.Parse(s, CultureInfo.InvariantCulture);
            return n switch
            {
                0 => throw Bad(key, "cannot be 0"),
                > int.MaxValue => throw Bad(key, $"is larger than {int.MaxValue}: '{s}'"),
                _ => (int)n,
            };
        }

        bool? Bool(string key)
        {
            var s = Scalar(key);
            return s switch
            {
                null => null,
                "true" => true,
                "false" => false,
                _ => throw Bad(key, $"is not \"true\" or \"false\": '{s}'"),
            };
        }

        // A pool without listen serves routes only; a pool with route: serves none of its own (docs/routes.md).
        var listenText = Scalar("listen");
        RouteConfig? route = null;
        if (values.TryGetValue("route", out var routeNode))
        {
            if (listenText is null)
            {
                throw Bad("route", "needs \"listen:\": a pool without listen serves routes, it has none of its own");
            }
            if (values.ContainsKey("servers"))
            {
                throw Bad("route", "cannot be combined with \"servers:\": a listener that routes sends to the pools its route names");
            }
            // Server-side keys belong to the pools the route names; here they would do nothing.
            foreach (var key in s_serverSideKeys.Where(values.ContainsKey))
            {
                throw Bad(key, "applies to a pool with servers; set it on the pools the route names");
            }
            route = ParseRoute(path, pool, routeNode);
        }
        var listen = listenText is null ? ListenAddress.None
            : ParseListen(listenText) ?? throw Bad("listen", $"has an invalid \"hostname:port\" format string: '{listenText}'");

        var hash = HashKind.Fnv1a_64;
        if (Scalar("hash") is { } hashName && !KeyHasher.TryParse(hashName, out hash))
        {
            throw Bad("hash", $"is not a valid hash: '{hashName}'");
        }
        var distribution = DistributionKind.Ketama;
        if (Scalar("distribution") is { } distName && !DistributionKinds.TryParse(distName, out distribution))
        {
            throw Bad("distribution", $"is not a valid distribution: '{distName}'");
        }
        var hashTag = Scalar("hash_tag");
        if (hashTag is not null && hashTag.Length != 2)
        {
            throw Bad("hash_tag", $"is not a valid hash tag string with two characters: '{hashTag}'");
        }
        var redis = Bool("redis") ?? false;
        var redisAuth = Scalar("redis_auth");
        if (redisAuth is not null && !redis)
        {
            throw Bad("redis_auth", "is only valid for a redis pool");
        }
        if (distribution == DistributionKind.RedisCluster)
        {
            CheckRedisCluster(redis, hashTag, Int("redis_db") ?? 0, values.ContainsKey("hash"), Bad);
        }
        var (authFile, memcacheProtocol) = ParseMemcachedAccess(redis, Scalar, Bad, path);
        var refuseCommands = ParseRefuseCommands(values, redis, Bad);
        var serverConnections = Int("server_connections") ?? 1;
        var dedicatedConnections = Positive("dedicated_connections");
        if (dedicatedConnections is not null && !redis)
        {
            throw Bad("dedicated_connections", "is only valid for a redis pool");
        }
        if (serverConnections == 0)
        {
            throw Bad("server_connections", "cannot be 0");
        }

        // What every pool has, a listener that routes included (it has nothing else).
        var common = new PoolConfig
        {
            Name = pool,
            Listen = listen,
            Route = route,
            TimeoutMs = Int("timeout"),
            Backlog = Int("backlog") ?? 512,
            ClientConnections = forkLayout ? Positive("client_connections") ?? ForkClientConnections : Int("client_connections") ?? 0,
            Redis = redis,
            TcpKeepAlive = Bool("tcpkeepalive") ?? false,
            ReusePort = Bool("reuseport") ?? false,
            RequestSizeLimit = ByteLimit("request_size_limit") ?? PoolConfig.DefaultRequestSizeLimit,
            ClientOutputLimit = ByteLimit("client_output_limit") ?? PoolConfig.DefaultClientOutputLimit,
            Servers = [],
            AuthFile = authFile,
            MemcacheProtocol = memcacheProtocol,
            ForkLayout = forkLayout,
        };
        if (route is not null)
        {
            return common with { Tls = ParseTlsKeys(path, pool, values).Listener };
        }
        if (!values.TryGetValue("servers", out var serversNode))
        {
            throw new ConfigException($"conf: '{path}': pool '{pool}': directive \"servers:\" is missing");
        }
        if (serversNode is not YamlSequenceNode serverSeq || serverSeq.Children.Count == 0)
        {
            throw Bad("servers", "must be a non-empty list of \"host:port:weight [name]\" entries");
        }
        var servers = new List<ServerConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in serverSeq.Children)
        {
            var text = (item as YamlScalarNode)?.Value
                ?? throw Bad("servers", $"has an entry at line {item.Start.Line} that is not a single string");
            var server = ParseServer(text)
                ?? throw Bad("servers", $"has an invalid \"hostname:port:weight [name]\" or \"/path/unix_socket:weight [name]\" format string: '{text}' (line {item.Start.Line})");
            if (!names.Add(server.Name))
            {
                if (server.Name == ReplicationNames.MasterServerName && redis)
                {
                    throw new ConfigException($"conf: '{path}': pool '{pool}': master is duplicate");
                }
                throw new ConfigException($"conf: '{path}': pool '{pool}' has servers with same name '{server.Name}'");
            }
            servers.Add(server);
        }

        var replication = ParseReplicationKeys(path, pool, values, redis, servers, Scalar("read_policy"), distribution == DistributionKind.RedisCluster);
        if (replication.Mode != ReplicationMode.None && distribution == DistributionKind.RedisCluster)
        {
            throw new ConfigException($"conf: '{path}': pool '{pool}': distribution redis_cluster cannot be combined with a replication group (a server named \"master\" or \"sentinels:\")");
        }
        // vbucket maps index the servers in file order (as a serverList); see ConfigLoader.VBucket.cs.
        var vbuckets = ParseVBucketKeys(path, pool, values, distribution, servers);
        var (tls, serverTls, tlsHandshakeTimeout) = ParseTlsKeys(path, pool, values);
        // Server indices (modula slots, stats order) follow twemproxy's name order, not file order.
        if (vbuckets is null)
        {
            servers.Sort((a, b) => CompareNames(a.Name, b.Name));
        }
        return common with
        {
            Hash = hash,
            HashTag = hashTag,
            Distribution = distribution,
            RedisAuth = redisAuth,
            RedisRefuseCommands = refuseCommands,
            RedisDb = Int("redis_db") ?? 0,
            Preconnect = Bool("preconnect") ?? false,
            AutoEjectHosts = Bool("auto_eject_hosts") ?? false,
            ServerConnections = serverConnections,
            ServerRetryTimeoutMs = Int("server_retry_timeout") ?? 30000,
            ServerFailureLimit = Int("server_failure_limit") ?? 2,
            ServerInflightLimit = Positive("server_inflight_limit") ?? PoolConfig.DefaultServerInflightLimit,
            DiscoveryTimeoutMs = Positive("discovery_timeout") ?? PoolConfig.DefaultDiscoveryTimeoutMs,
            HealthCheckIntervalMs = Positive("health_check_interval"),
            DedicatedConnections = dedicatedConnections ?? PoolConfig.DefaultDedicatedConnections,
            Servers = servers,
            VBuckets = vbuckets,
            Tls = tls,
            ServerTls = serverTls,
            TlsHandshakeTimeoutMs = tlsHandshakeTimeout,
            Replication = replication.Mode,
            ReadPolicy = replication.Policy,
            Sentinels = replication.Sentinels,
            SentinelAuth = Scalar("sentinel_auth"),
        };
    }

    /// <summary>
    /// distribution redis_cluster: a Redis pool whose keys go to Redis Cluster's own CRC16 slots,
    /// so no pool hash, no hash tag other than Redis's <c>{}</c>, and database 0 (the only one a cluster has).
    /// </summary>
    private static void CheckRedisCluster(bool redis, string? hashTag, int redisDb, bool hasHash, Func<string, string, ConfigException> bad)
    {
        if (!redis)
        {
            throw bad("distribution", "redis_cluster needs \"redis: true\"");
        }
        if (hasHash)
        {
            throw bad("hash", "cannot be set with distribution redis_cluster: keys go to Redis Cluster's CRC16 hash slots");
        }
        if (hashTag is not null && hashTag != "{}")
        {
            throw bad("hash_tag", $"must be \"{{}}\" (or absent) with distribution redis_cluster: Redis Cluster hashes the part between {{ and }}, not '{hashTag}'");
        }
        if (redisDb != 0)
        {
            throw bad("redis_db", "must be 0 with distribution redis_cluster: a Redis Cluster has only database 0 (SELECT is not allowed in cluster mode)");
        }
    }

    /// <summary>"host:port" split at the last ':' (so "::1:22121" works), or "/path [octal perm]".</summary>
    public static ListenAddress? ParseListen(string text)
    {
        var t = text.Trim();
        if (t.StartsWith('/'))
        {
            var parts = t.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int? perm = null;
            if (parts.Length > 2)
            {
                return null;
            }
            if (parts.Length == 2)
            {
                // Octal digits only, at most 0777, as twemproxy's conf_set_listen accepts.
                if (parts[1].Length > 4 || !parts[1].All(c => c is >= '0' and <= '7'))
                {
                    return null;
                }
                perm = Convert.ToInt32(parts[1], 8);
                if (perm > Convert.ToInt32("777", 8))
                {
                    return null;
                }
            }
            return new ListenAddress(t, null, 0, parts[0], perm);
        }
        var colon = t.LastIndexOf(':');
        if (colon <= 0 || !TryPort(t[(colon + 1)..], out var port))
        {
            return null;
        }
        var host = t[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        return new ListenAddress(t, host, port, null, null);
    }

    /// <summary>"host:port:weight [name]" or "/path:weight [name]", parsed from the right as twemproxy does.</summary>
    public static ServerConfig? ParseServer(string text)
    {
        var t = text.Trim();
        string? name = null;
        var space = t.LastIndexOf(' ');
        var address = t;
        if (space > 0)
        {
            name = t[(space + 1)..];
            address = t[..space].TrimEnd();
            if (name.Length == 0)
            {
                return null;
            }
        }
        var c1 = address.LastIndexOf(':');
        if (c1 <= 0 || !int.TryParse(address[(c1 + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var weight) || weight < 1)
        {
            return null;
        }
        var rest = address[..c1];
        if (rest.StartsWith('/'))
        {
            return new ServerConfig(t, null, 0, rest, weight, name ?? rest + ":", name is not null);
        }
        var c2 = rest.LastIndexOf(':');
        if (c2 <= 0 || !TryPort(rest[(c2 + 1)..], out var port))
        {
            return null;
        }
        var host = rest[..c2];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        var defaultName = port == 11211 ? rest[..c2] : rest;
        return new ServerConfig(t, host, port, null, weight, name ?? defaultName, name is not null);
    }

    /// <summary>twemproxy's string order: shorter first, then byte by byte.</summary>
    public static int CompareNames(string a, string b)
    {
        var x = System.Text.Encoding.UTF8.GetBytes(a);
        var y = System.Text.Encoding.UTF8.GetBytes(b);
        return x.Length != y.Length ? x.Length.CompareTo(y.Length) : x.AsSpan().SequenceCompareTo(y);
    }

    // The pool a line belongs to: the nearest line above it that starts in column one.
    private static string? PoolAtLine(string yaml, int line)
    {
        var lines = yaml.Split('\n');
        for (var i = Math.Min(line, lines.Length) - 1; i >= 0; i--)
        {
            var l = lines[i].TrimEnd('\r');
            if (l.Length > 0 && !char.IsWhiteSpace(l[0]) && l[0] != '#' && l.TrimEnd().EndsWith(':'))
            {
                return l.TrimEnd()[..^1];
            }
        }
        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Duplicate key (\S+)")]
    private static partial System.Text.RegularExpressions.Regex DuplicateKey();

    private static bool TryPort(string s, out int port)
        => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536;
}
