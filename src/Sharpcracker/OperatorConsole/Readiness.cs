using System.Diagnostics;
using Sharpcracker.ControlPlane;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// /ready: every configured pool listens and has at least one server it can reach (a listener
/// that routes: each of its routes has a pool that can serve, <see cref="RouteReadyAsync"/>). A server that
/// is up (no failure since its last reply) counts. When a pool has none, its servers that are not
/// ejected get one probe each (the re-admission probe: memcached <c>version</c>, Redis
/// <c>PING</c>), because without auto_eject_hosts nothing else would find out that a failed server
/// came back while no traffic arrives — and a load balancer sends none to a proxy that is not ready.
/// Ejected servers are left to the proxy's own probe: requests cannot reach them until it succeeds.
/// </summary>
internal static class Readiness
{
    /// <summary>From the servers' states alone, without probes (the status JSON and /metrics, polled often); completes synchronously.</summary>
    public static ReadinessReport Passive(IProxyView view) => CheckAsync(view, probe: false, CancellationToken.None).GetAwaiter().GetResult();

    public static async Task<ReadinessReport> CheckAsync(IProxyView view, bool probe, CancellationToken cancellationToken)
    {
        var pools = view.Pools;
        // Pools that serve routes only have no listen address (all share ListenAddress.None): matched by name.
        var byListen = pools.Where(p => !p.Config.ServesRoutesOnly).ToDictionary(p => p.Config.Listen.Text, StringComparer.Ordinal);
        var routePools = pools.Where(p => p.Config.ServesRoutesOnly).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var checkedPools = new Dictionary<ServerPool, PoolReadiness>();
        async Task<PoolReadiness> Check(ServerPool pool)
        {
            if (!checkedPools.TryGetValue(pool, out var result))
            {
                result = await CheckPoolAsync(pool, probe, cancellationToken).ConfigureAwait(false);
                checkedPools[pool] = result;
            }
            return result;
        }
        var results = new List<PoolReadiness>();
        foreach (var config in view.Config.Pools)
        {
            if (!byListen.TryGetValue(config.Listen.Text, out var pool))
            {
                results.Add(new PoolReadiness(config.Name, false, $"not listening on {config.Listen.Text}"));
                continue;
            }
            if (pool.Routes is { } tree)
            {
                var failing = new List<string>();
                await RouteReadyAsync(tree.Root, Check, failing).ConfigureAwait(false);
                results.Add(new PoolReadiness(pool.Name, failing.Count == 0, failing.Count == 0
                    ? $"routes: every route has a pool that can serve ({string.Join(", ", tree.Pools().Select(p => p.Name))})"
                    : "routes: " + string.Join("; ", failing)));
                continue;
            }
            results.Add(await Check(pool).ConfigureAwait(false));
        }
        var ready = results.Count > 0 && results.All(r => r.Ready);
        // Pools that serve routes only are listed for the console, but count only through the listeners' routes.
        foreach (var config in view.Config.RoutePools)
        {
            if (!routePools.TryGetValue(config.Name, out var pool))
            {
                results.Add(new PoolReadiness(config.Name, false, "serves routes only; not started"));
                continue;
            }
            var result = await Check(pool).ConfigureAwait(false);
            results.Add(result with { Reason = "serves routes only; " + result.Reason });
        }
        return new ReadinessReport(ready, results);
    }

    /// <summary>
    /// Whether a route node can serve: a pool when it has a server up; failover when one of its
    /// pools can; replicated when as many replicas can as its write policy needs; warm-up when cold
    /// can (every write goes there); shadow as its primary (a shadow pool never fails a client);
    /// prefix and operation when every child can. What fails is added to <paramref name="failing"/>.
    /// </summary>
    private static async Task<bool> RouteReadyAsync(RouteNode node, Func<ServerPool, Task<PoolReadiness>> check, List<string> failing)
    {
        switch (node)
        {
            case PoolRoute p:
                {
                    var r = await check(p.Pool).ConfigureAwait(false);
                    if (!r.Ready)
                    {
                        failing.Add($"{node.Path}: pool {p.Pool.Name}: {r.Reason}");
                    }
                    return r.Ready;
                }
            case IChildPools c:
                {
                    var results = new List<PoolReadiness>();
                    foreach (var pool in c.Pools)
                    {
                        results.Add(await check(pool).ConfigureAwait(false));
                    }
                    var up = results.Count(r => r.Ready);
                    var needed = node switch
                    {
                        ReplicatedRoute r => r.Needed,
                        _ => 1,
                    };
                    var ready = node is WarmUpRoute ? results[0].Ready : up >= needed;
                    if (!ready)
                    {
                        failing.Add($"{node.Path}: " + string.Join(", ", results.Where(r => !r.Ready).Select(r => $"pool {r.Pool}: {r.Reason}")));
                    }
                    return ready;
                }
            case ShadowRoute s:
                return await RouteReadyAsync(s.Primary, check, failing).ConfigureAwait(false);
            case NoRoute:
                return true;
            default:
                {
                    var all = true;
                    foreach (var (_, child) in node.Children)
                    {
                        all &= await RouteReadyAsync(child, check, failing).ConfigureAwait(false);
                    }
                    return all;
                }
        }
    }

    /// <summary>
    /// How fresh "up" is: the oldest last reply among <paramref name="up"/> servers, and whether
    /// active health checks bound it (without them a server that stopped while no request was sent
    /// stays "up" until a request fails).
    /// </summary>
    public static string Freshness(ServerPool pool, IEnumerable<PoolServer> up)
    {
        var now = Stopwatch.GetTimestamp();
        long? oldest = 0;
        foreach (var server in up)
        {
            var age = server.Stats.LastReplyAgeMs(now);
            oldest = age is null || oldest is null ? null : Math.Max(oldest.Value, age.Value);
        }
        var replies = oldest is { } ms ? $"oldest last reply {ms} ms ago" : "a server has not answered yet";
        return pool.Config.HealthCheckIntervalMs is { } interval
            ? $"{replies}, health checks after {interval} ms of silence"
            : $"{replies}, no health checks (a silent server counts as up until a request to it fails)";
    }

    private static async Task<PoolReadiness> CheckPoolAsync(ServerPool pool, bool probe, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        if (!pool.Discovery.IsKnown)
        {
            // A discovered pool before its first topology: not serving (or, past discovery_timeout, failing every request).
            var waited = now - pool.Discovery.Since;
            var accepting = waited >= pool.Config.DiscoveryTimeoutMs ? "accepting clients since discovery_timeout, requests fail" : "not accepting clients yet";
            return new PoolReadiness(pool.Name, false, $"servers not discovered after {waited} ms ({accepting}): {pool.Discovery.Missing}");
        }
        var servers = pool.Servers;
        var states = servers.Select(s => ServerStates.Of(s.Health, now)).ToArray();
        var up = states.Count(s => s == ServerState.Up);
        if (up > 0)
        {
            return new PoolReadiness(pool.Name, true, $"{up} of {servers.Count} servers up; {Freshness(pool, servers.Where((_, i) => states[i] == ServerState.Up))}");
        }
        var down = string.Join(", ", servers.Select((s, i) => $"{s.Name} {ServerStates.Name(states[i])} ({s.Health.LastError})"));
        if (probe)
        {
            var candidates = servers.Where((_, i) => states[i] is not (ServerState.Ejected or ServerState.Probing)).ToArray();
            var answers = await Task.WhenAll(candidates.Select(s => HealthProbe.RunAsync(s.Config, pool.Config, cancellationToken))).ConfigureAwait(false);
            var answered = candidates.Where((_, i) => answers[i] is null).Select(s => s.Name).ToArray();
            if (answered.Length > 0)
            {
                return new PoolReadiness(pool.Name, true, $"{string.Join(", ", answered)} answered a probe (no request has reached it since it failed)");
            }
        }
        return new PoolReadiness(pool.Name, false, servers.Count == 0 ? "no servers" : "no reachable server: " + down);
    }
}
