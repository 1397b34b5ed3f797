using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Sharpcracker.Configuration;
using Sharpcracker.Configuration.Routes;
using Sharpcracker.OperatorConsole;
using Sharpcracker.Pools;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.Tests.OperatorConsole;

/// <summary>
/// Routes in the console's other answers: /config shows route-only pools and a listener's tree
/// and loads back to the same; the stats port document carries a routing listener's counters as
/// flat numbers (its objects stay servers for twemproxy's parsers).
/// </summary>
public sealed class RouteConsoleTests
{
    private const string Yaml = """
        cache:
          servers:
            - 127.0.0.1:2:1 c1
        gutter:
          servers:
            - 127.0.0.1:3:1 g1
        sh:
          servers:
            - 127.0.0.1:4:1 s1
        front:
          listen: 127.0.0.1:1
          route:
            prefix:
              "s:": {shadow: sh, primary: cache, shadow_fraction: 0.25}
              "r:": {replicated: [cache, gutter, sh], write_policy: majority, read_from: client, read_failover_on_miss: true}
              "w:": {warm_up: {cold: cache, warm: gutter}, fill_ttl: 100}
              "o:":
                operation:
                  gets: cache
                  deletes: {failover: [cache, gutter], failover_errors: [connect, ejected], failover_ttl: 5}
                default: gutter
            default:
              failover: [cache, gutter]

        """;

    [Fact]
    public void Config_ShowsRouteOnlyPoolsAndTheTree_AndLoadsBack()
    {
        var config = ConfigLoader.Parse(Yaml, "routes.yml");
        var text = ConfigView.Render(config);
        Assert.Contains("cache:\n  # no listen: serves the listeners' routes only\n", text);
        Assert.DoesNotContain("listen: \"\"", text);
        // The listener's own keys only: server-side keys belong to the pools its route names.
        var front = text[text.IndexOf("front:\n", StringComparison.Ordinal)..text.IndexOf("  route:\n", StringComparison.Ordinal)];
        Assert.Contains("  listen: 127.0.0.1:1\n", front);
        Assert.Contains("  client_connections: ", front);
        Assert.DoesNotContain("  hash:", front);
        Assert.DoesNotContain("  auto_eject_hosts:", front);
        Assert.DoesNotContain("  server_connections:", front);
        var back = ConfigLoader.Parse(text, "view.yml");
        Assert.Equal(config.RoutePools.Select(p => p.Name), back.RoutePools.Select(p => p.Name));
        Assert.Equal(config.RoutePools.Select(p => p.Servers[0].Text), back.RoutePools.Select(p => p.Servers[0].Text));
        var loaded = Assert.Single(back.Pools);
        Assert.True(RouteConfigEquality.Same(config.Pools[0].Route!, loaded.Route!), RouteConfigEquality.Canonical(loaded.Route!));
    }

    [Fact]
    public void StatsPort_CarriesEachCountingNodesCounters_AsNumbersOfTheListener()
    {
        var config = ConfigLoader.Parse(Yaml, "routes.yml");
        var pools = config.Pools.Concat(config.RoutePools).ToDictionary(p => p.Name, p => new ServerPool(p, NullLogger.Instance));
        try
        {
            var tree = RouteTree.Build(config.Pools[0].Route!, n => pools[n], workers: 2);
            var failover = tree.Nodes().OfType<FailoverRoute>().Single(n => n.Path == "route.default:failover");
            failover.Counters.Add(1, RouteCounter.Requests, 7);
            failover.Counters.Add(0, RouteCounter.Failovers, 2);
            var shadow = tree.Nodes().OfType<ShadowRoute>().Single();
            shadow.Counters.Add(1, RouteCounter.ShadowDropped);

            var json = JsonDocument.Parse(TwemproxyStatsJson.RenderText([.. pools.Values.Select(p => p.Stats)], new Dictionary<string, RouteTree> { ["front"] = tree })).RootElement;
            var front = json.GetProperty("front");
            Assert.Equal(7, front.GetProperty("route.default:failover requests").GetInt64());
            Assert.Equal(2, front.GetProperty("route.default:failover failovers").GetInt64());
            Assert.Equal(1, front.GetProperty("route.prefix[\"s:\"]:shadow shadow_dropped").GetInt64());
            Assert.Equal(0, front.GetProperty("route.prefix[\"w:\"]:warm_up fills").GetInt64());
            // Only servers are objects: the listener has none, each route-only pool its own.
            Assert.DoesNotContain(front.EnumerateObject(), p => p.Value.ValueKind == JsonValueKind.Object);
            Assert.Equal("s1", Assert.Single(json.GetProperty("sh").EnumerateObject(), p => p.Value.ValueKind == JsonValueKind.Object).Name);
            // What a node does not count is not listed (a shadow node sends no requests of its own).
            Assert.False(front.TryGetProperty("route.prefix[\"s:\"]:shadow requests", out _));
        }
        finally
        {
            foreach (var pool in pools.Values)
            {
                pool.Dispose();
            }
        }
    }
}
