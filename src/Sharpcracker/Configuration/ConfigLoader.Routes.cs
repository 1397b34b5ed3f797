using System.Globalization;
using Sharpcracker.Configuration.Routes;
using Sharpcracker.Routing;
using YamlDotNet.RepresentationModel;

namespace Sharpcracker.Configuration;

/// <summary>
/// The <c>route:</c> of a listener (docs/routes.md): a pool name, or a mapping with one type key
/// and that type's settings beside it. Every error names the file, the pool, the line and the key.
/// </summary>
internal static partial class ConfigLoader
{
    private static readonly string[] s_routeTypes = ["prefix", "operation", "failover", "replicated", "shadow", "warm_up"];

    private static readonly Dictionary<string, string[]> s_routeSettings = new(StringComparer.Ordinal)
    {
        ["prefix"] = ["default"],
        ["operation"] = ["default"],
        ["failover"] = ["failover_ttl", "failover_errors"],
        ["replicated"] = ["write_policy", "read_from", "read_failover_on_miss"],
        ["shadow"] = ["primary", "shadow_fraction"],
        ["warm_up"] = ["fill_ttl"],
    };

    private static RouteConfig ParseRoute(string path, string pool, YamlNode node)
    {
        var line = (int)node.Start.Line;
        ConfigException Bad(YamlNode at, string what) => new($"conf: '{path}': pool '{pool}': route (line {at.Start.Line}) {what}");

        if (node is YamlScalarNode { Value: { Length: > 0 } name })
        {
            return new PoolRouteConfig(name) { Line = line };
        }
        if (node is not YamlMappingNode map)
        {
            throw Bad(node, "must be a pool name or a mapping with one of: " + string.Join(", ", s_routeTypes));
        }
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (!values.TryAdd(key, v))
            {
                throw Bad(k, $"has \"{key}\" twice");
            }
        }
        var types = s_routeTypes.Where(values.ContainsKey).ToList();
        if (types.Count != 1)
        {
            throw Bad(node, types.Count == 0
                ? "has none of the route types: " + string.Join(", ", s_routeTypes)
                : "has more than one route type: " + string.Join(", ", types));
        }
        var type = types[0];
        foreach (var key in values.Keys.Where(k => k != type && !s_routeSettings[type].Contains(k)))
        {
            throw Bad(values[key], $"\"{key}\" is not a setting of a {type} route (those are: {string.Join(", ", s_routeSettings[type])})");
        }

        string PoolName(YamlNode n, string what) => n is YamlScalarNode { Value: { Length: > 0 } v } ? v : throw Bad(n, $"{what} must be a pool name");

        List<string> PoolList(YamlNode n, int min)
        {
            if (n is not YamlSequenceNode seq || seq.Children.Count < min)
            {
                throw Bad(n, $"{type} needs a list of at least {min} pool names");
            }
            var list = seq.Children.Select(c => PoolName(c, $"each of {type}'s entries")).ToList();
            if (list.Distinct(StringComparer.Ordinal).Count() != list.Count)
            {
                throw Bad(n, $"{type} names a pool twice");
            }
            return list;
        }

        int Seconds(string key, int fallback)
        {
            if (!values.TryGetValue(key, out var n))
            {
                return fallback;
            }
            var s = (n as YamlScalarNode)?.Value ?? "";
            return s.Length is > 0 and <= 9 && s.All(char.IsAsciiDigit) ? int.Parse(s, CultureInfo.InvariantCulture)
                : throw Bad(n, $"\"{key}\" is not a number of seconds: '{s}'");
        }

        RouteConfig? Optional(string key) => values.TryGetValue(key, out var n) ? ParseRoute(path, pool, n) : null;

        switch (type)
        {
            case "prefix":
                {
                    if (values["prefix"] is not YamlMappingNode prefixes || prefixes.Children.Count == 0)
                    {
                        throw Bad(values["prefix"], "prefix needs a mapping of key prefixes to routes");
                    }
                    var list = new List<KeyValuePair<string, RouteConfig>>();
                    foreach (var (k, v) in prefixes.Children)
                    {
                        var prefix = (k as YamlScalarNode)?.Value;
                        if (string.IsNullOrEmpty(prefix) || prefix.Any(c => c <= ' ' || c > '~'))
                        {
                            throw Bad(k, $"prefix '{prefix}' must be printable ASCII without spaces (a memcached key's bytes)");
                        }
                        if (list.Any(p => p.Key == prefix))
                        {
                            throw Bad(k, $"prefix '{prefix}' is given twice");
                        }
                        list.Add(new(prefix, ParseRoute(path, pool, v)));
                    }
                    return new PrefixRouteConfig(list, Optional("default")) { Line = line };
                }
            case "operation":
                {
                    if (values["operation"] is not YamlMappingNode ops || ops.Children.Count == 0)
                    {
                        throw Bad(values["operation"], "operation needs a mapping of gets, updates and deletes to routes");
                    }
                    RouteConfig? gets = null, updates = null, deletes = null;
                    foreach (var (k, v) in ops.Children)
                    {
                        switch ((k as YamlScalarNode)?.Value)
                        {
                            case "gets": gets = ParseRoute(path, pool, v); break;
                            case "updates": updates = ParseRoute(path, pool, v); break;
                            case "deletes": deletes = ParseRoute(path, pool, v); break;
                            default: throw Bad(k, $"operation '{(k as YamlScalarNode)?.Value}' is not one of gets, updates, deletes");
                        }
                    }
                    var fallback = Optional("default");
                    if (fallback is null && (gets is null || updates is null || deletes is null))
                    {
                        throw Bad(node, "operation needs \"default:\" for the operations it does not name (and for version, verbosity, mn, me)");
                    }
                    return new OperationRouteConfig(gets, updates, deletes, fallback) { Line = line };
                }
            case "failover":
                {
                    var errors = FailoverErrors.All;
                    if (values.TryGetValue("failover_errors", out var errorsNode))
                    {
                        if (errorsNode is not YamlSequenceNode seq || seq.Children.Count == 0)
                        {
                            throw Bad(errorsNode, "failover_errors needs a list of: connect, timeout, ejected, server_error");
                        }
                        errors = FailoverErrors.None;
                        foreach (var e in seq.Children)
                        {
                            errors |= (e as YamlScalarNode)?.Value switch
                            {
                                "connect" => FailoverErrors.Connect,
                                "timeout" => FailoverErrors.Timeout,
                                "ejected" => FailoverErrors.Ejected,
                                "server_error" => FailoverErrors.ServerError,
                                var other => throw Bad(e, $"failover_errors: '{other}' is not one of connect, timeout, ejected, server_error"),
                            };
                        }
                    }
                    return new FailoverRouteConfig(PoolList(values["failover"], 2), errors, Seconds("failover_ttl", FailoverRouteConfig.DefaultFailoverTtl)) { Line = line };
                }
            case "replicated":
                {
                    var policy = ReplicaWritePolicy.All;
                    if (values.TryGetValue("write_policy", out var p))
                    {
                        policy = (p as YamlScalarNode)?.Value switch
                        {
                            "all" => ReplicaWritePolicy.All,
                            "majority" => ReplicaWritePolicy.Majority,
                            "first" => ReplicaWritePolicy.First,
                            var other => throw Bad(p, $"write_policy '{other}' is not one of all, majority, first"),
                        };
                    }
                    var readFrom = ReplicaReadFrom.Key;
                    if (values.TryGetValue("read_from", out var r))
                    {
                        readFrom = (r as YamlScalarNode)?.Value switch
                        {
                            "key" => ReplicaReadFrom.Key,
                            "client" => ReplicaReadFrom.Client,
                            var other => throw Bad(r, $"read_from '{other}' is not one of key, client"),
                        };
                    }
                    var onMiss = false;
                    if (values.TryGetValue("read_failover_on_miss", out var m))
                    {
                        onMiss = (m as YamlScalarNode)?.Value switch
                        {
                            "true" => true,
                            "false" => false,
                            var other => throw Bad(m, $"read_failover_on_miss is not \"true\" or \"false\": '{other}'"),
                        };
                    }
                    return new ReplicatedRouteConfig(PoolList(values["replicated"], 2), policy, readFrom, onMiss) { Line = line };
                }
            case "shadow":
                {
                    var primary = Optional("primary") ?? throw Bad(node, "shadow needs \"primary:\", the route whose traffic it copies");
                    var fraction = 1.0;
                    if (values.TryGetValue("shadow_fraction", out var f))
                    {
                        var s = (f as YamlScalarNode)?.Value ?? "";
                        if (!double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out fraction) || fraction is <= 0 or > 1)
                        {
                            throw Bad(f, $"shadow_fraction must be a number above 0 and at most 1: '{s}'");
                        }
                    }
                    return new ShadowRouteConfig(primary, PoolName(values["shadow"], "shadow"), fraction) { Line = line };
                }
            default:
                {
                    if (values["warm_up"] is not YamlMappingNode warm
                        || warm.Children.Count != 2
                        || !warm.Children.TryGetValue(new YamlScalarNode("cold"), out var coldNode)
                        || !warm.Children.TryGetValue(new YamlScalarNode("warm"), out var warmNode))
                    {
                        throw Bad(values["warm_up"], "warm_up needs exactly \"cold:\" and \"warm:\", each a pool name");
                    }
                    var cold = PoolName(coldNode, "cold");
                    var warmPool = PoolName(warmNode, "warm");
                    if (cold == warmPool)
                    {
                        throw Bad(values["warm_up"], "warm_up's cold and warm must be different pools");
                    }
                    var ttl = Seconds("fill_ttl", WarmUpRouteConfig.DefaultFillTtl);
                    return new WarmUpRouteConfig(cold, warmPool, ttl == 0 ? throw Bad(values["fill_ttl"], "fill_ttl cannot be 0: a fill that never expires outlives later changes to warm") : ttl) { Line = line };
                }
        }
    }

    /// <summary>
    /// Every pool a route names exists, has servers (is not itself a listener that routes) and
    /// speaks the listener's protocol; only memcached listeners route (docs/routes.md).
    /// </summary>
    private static string Kind(RouteConfig node) => node switch
    {
        FailoverRouteConfig => "failover",
        ReplicatedRouteConfig => "replicated",
        WarmUpRouteConfig => "warm_up",
        OperationRouteConfig => "operation",
        _ => "this route",
    };

    /// <returns>Warnings: pools without listen that no route names.</returns>
    private static List<string> CheckRoutes(string path, List<PoolConfig> listeners, List<PoolConfig> routePools)
    {
        var byName = listeners.Concat(routePools).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var listener in listeners.Where(l => l.Route is not null))
        {
            CheckNode(listener, listener.Route!);
            named.UnionWith(listener.Route!.PoolNames());
        }
        return [.. routePools.Where(p => !named.Contains(p.Name))
            .Select(p => $"pool '{p.Name}' has no \"listen:\" and no route names it: it serves nothing (kept, so a reload can route to it)")];

        void CheckNode(PoolConfig listener, RouteConfig node)
        {
            if (listener.Redis && node is not (PoolRouteConfig or PrefixRouteConfig or ShadowRouteConfig))
            {
                throw new ConfigException($"conf: '{path}': pool '{listener.Name}': route (line {node.Line}): a Redis listener routes by prefix and shadows; {Kind(node)} serves memcached listeners (docs/routes.md)");
            }
            switch (node)
            {
                case PrefixRouteConfig prefix:
                    foreach (var child in prefix.Prefixes.Select(p => p.Value).Append(prefix.Default).OfType<RouteConfig>())
                    {
                        CheckNode(listener, child);
                    }
                    break;
                case OperationRouteConfig operation:
                    foreach (var child in new[] { operation.Gets, operation.Updates, operation.Deletes, operation.Default }.OfType<RouteConfig>())
                    {
                        CheckNode(listener, child);
                    }
                    break;
                case ShadowRouteConfig shadow:
                    CheckNode(listener, shadow.Primary);
                    break;
            }
            foreach (var name in node.PoolNames())
            {
                if (!byName.TryGetValue(name, out var target))
                {
                    throw new ConfigException($"conf: '{path}': pool '{listener.Name}': route (line {node.Line}) names pool '{name}', which is not in the file");
                }
                if (target.Route is not null)
                {
                    throw new ConfigException($"conf: '{path}': pool '{listener.Name}': route (line {node.Line}) names pool '{name}', which routes itself: a route names pools with servers");
                }
                if (target.Redis != listener.Redis)
                {
                    throw new ConfigException($"conf: '{path}': pool '{listener.Name}': route (line {node.Line}) names pool '{name}', which speaks {(target.Redis ? "redis" : "memcached")}");
                }
                if (target.Redis && (target.Replication != ReplicationMode.None || target.Distribution is DistributionKind.RedisCluster))
                {
                    throw new ConfigException($"conf: '{path}': pool '{listener.Name}': route (line {node.Line}) names pool '{name}': a Redis route names plain sharded pools (no replication group, Sentinel or redis_cluster)");
                }
            }
        }
    }
}
