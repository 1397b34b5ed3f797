using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.OperatorConsole;
using Sharpcracker.Pools;
using Sharpcracker.Pools.Routes;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Tests.OperatorConsole;

/// <summary>
/// /route's text for each node type, over a tree built from a parsed file and real (idle)
/// <see cref="ServerPool"/> objects: the path, the terminal's pools in order with the one used now,
/// and how ejection, replicated reads, warm-up and shadow show.
/// </summary>
public sealed class RouteExplainerTests : IDisposable
{
    private const string Pools = """
        cache:
          auto_eject_hosts: true
          server_failure_limit: 1
          servers:
            - 127.0.0.1:2:1 c1
            - 127.0.0.1:3:1 c2
        gutter:
          servers:
            - 127.0.0.1:4:1 g1
        third:
          servers:
            - 127.0.0.1:5:1 t1
        every:
          listen: 127.0.0.1:9
          route: {replicated: [cache, gutter, third]}

        """; // "every" names each pool (a pool without listen that no route names is refused)

    private readonly List<ServerPool> _pools = [];

    public void Dispose()
    {
        foreach (var pool in _pools)
        {
            pool.Dispose();
        }
    }

    /// <summary>The listener "front" with <paramref name="route"/> (YAML under route:, indented 4), its tree, and its pools by name.</summary>
    private (ServerPool Listener, RouteTree Tree, Dictionary<string, ServerPool> ByName, ProxyConfig Config) Build(string route)
    {
        var config = ConfigLoader.Parse(Pools + "front:\n  listen: 127.0.0.1:1\n  route:\n" + route, "routes.yml");
        var byName = config.Pools.Concat(config.RoutePools).ToDictionary(p => p.Name, p => new ServerPool(p, NullLogger.Instance));
        _pools.AddRange(byName.Values);
        var listener = byName["front"];
        return (listener, RouteTree.Build(listener.Config.Route!, n => byName[n], workers: 2), byName, config);
    }

    private static byte[] Key(string key) => Encoding.ASCII.GetBytes(key);

    private static string Text(ServerPool listener, RouteTree tree, string key, RouteOperation? op = null)
        => RouteExplainer.Explain(listener, tree, Key(key), op, offline: false).Text();

    [Fact]
    public void PoolRoute_ShowsThePoolsServerUsedNow()
    {
        var (front, tree, pools, _) = Build("    gutter\n");
        var text = Text(front, tree, "k1");
        Assert.Contains("path: route:pool gutter\n", text);
        Assert.Contains("node: route:gutter (pool;", text);
        Assert.Contains("1. gutter (pool): server g1 127.0.0.1:4 (index 0), up  <- now\n", text);
        Assert.DoesNotContain("operation:", text); // no operation node: one decision for every operation
    }

    [Fact]
    public void Prefix_LongestMatchWins_AndNoMatchWithoutDefaultIsTheErrorNode()
    {
        var (front, tree, _, _) = Build("""
                prefix:
                  "u:": gutter
                  "u:x:": third

            """);
        Assert.Contains("path: route:prefix -> \"u:x:\" -> pool third\n", Text(front, tree, "u:x:1"));
        Assert.Contains("path: route:prefix -> \"u:\" -> pool gutter\n", Text(front, tree, "u:y"));
        var none = Text(front, tree, "other");
        Assert.Contains("path: route:prefix -> no match -> none\n", none);
        Assert.Contains("node: route.default:none (none;", none);
        Assert.Contains("SERVER_ERROR no route for key", none);
    }

    [Fact]
    public void Failover_TheFirstPoolWithAServerTakesTheKey_AndAnEjectedFirstPoolIsPassedOver()
    {
        var (front, tree, pools, _) = Build("""
                failover: [cache, gutter]
                failover_ttl: 30

            """);
        var text = Text(front, tree, "k1");
        Assert.Contains("path: route:failover\n", text);
        Assert.Contains("the next one is tried on connect, timeout, ejected, server_error; a miss is an answer; an update sent to a later pool has its TTL capped at 30 s", text);
        var cache = pools["cache"];
        var home = cache.Route(Key("k1"))!;
        Assert.Contains($"1. cache (normal): server {home.Name} {home.Config.EndpointText} (index {home.Index}), up  <- now\n", text);
        Assert.Contains("2. gutter (failover): server g1 127.0.0.1:4 (index 0), up  next\n", text);

        // Ejected (auto_eject_hosts, one failure), still in the continuum until the rebuild: skipped, the gutter takes it.
        home.Health.OnConnectionFailed(ServerFailure.ServerClosed, ServerConnectionLoss.ConnectFailed, Environment.TickCount64);
        Assert.True(home.Health.IsEjected);
        text = Text(front, tree, "k1");
        Assert.Contains($"1. cache (normal): server {home.Name} {home.Config.EndpointText} (index {home.Index}), ejected  skipped now (its server is ejected or being probed)\n", text);
        Assert.Contains("2. gutter (failover): server g1 127.0.0.1:4 (index 0), up  <- now\n", text);

        // Every cache server out of the continuum: no server there at all.
        cache.SetLiveServers(_ => false);
        text = Text(front, tree, "k1");
        Assert.Contains($"1. cache (normal): no server available (with every server in service: {home.Name})  skipped now (no server)\n", text);
        Assert.Contains("2. gutter (failover): server g1 127.0.0.1:4 (index 0), up  <- now\n", text);
    }

    [Fact]
    public void Failover_WithoutEjectedInItsErrors_KeepsAnEjectedFirstPool()
    {
        var (front, tree, pools, _) = Build("""
                failover: [cache, gutter]
                failover_errors: [connect, timeout]

            """);
        var home = pools["cache"].Route(Key("k1"))!;
        home.Health.OnConnectionFailed(ServerFailure.ServerClosed, ServerConnectionLoss.ConnectFailed, Environment.TickCount64);
        var text = Text(front, tree, "k1");
        Assert.Contains("the next one is tried on connect, timeout;", text);
        Assert.Contains("ejected  <- now\n", text);
    }

    [Fact]
    public void Replicated_ReadsStartAtTheKeysReplica_WritesGoToEvery()
    {
        var (front, tree, _, _) = Build("""
                replicated: [cache, gutter, third]
                write_policy: majority

            """);
        var key = Enumerable.Range(0, 100).Select(i => $"r{i}").First(k => HashFunctions.Crc32a(Key(k)) % 3 == 1); // starts at gutter
        var any = Text(front, tree, key);
        Assert.Contains("updates and deletes go to every replica; the client sees success when 2 of 3 store it (write_policy majority)", any);
        Assert.Contains("a get starts at replica 2 of 3, gutter (crc32a of the key mod 3, read_from key) and goes to the next on an error\n", any);
        Assert.Contains("1. gutter (replica): server g1 127.0.0.1:4 (index 0), up  <- now\n", any);
        Assert.Contains("2. third (replica): server t1 127.0.0.1:5 (index 0), up  next\n", any);
        Assert.Contains("3. cache (replica):", any);

        var update = RouteExplainer.Explain(front, tree, Key(key), RouteOperation.Update, offline: false);
        Assert.Equal("update", RouteDecision.OperationName(update.Decisions[0].Operation!.Value));
        Assert.All(update.Decisions[0].Choices, c => Assert.Equal(RouteUse.Every, c.Use));
        Assert.DoesNotContain("a get starts", update.Text());
        Assert.Equal(["cache", "gutter", "third"], update.Decisions[0].Choices.Select(c => c.Pool.Name));
    }

    [Fact]
    public void Replicated_ReadFromClient_SaysTheClientPicks()
    {
        var (front, tree, _, _) = Build("""
                replicated: [cache, gutter]
                read_from: client
                read_failover_on_miss: true

            """);
        var text = Text(front, tree, "k");
        Assert.Contains("a get starts at the replica of the client connection (read_from client) and goes to the next on an error or a miss\n", text);
        Assert.Contains("first when the client connection picks it", text);
        Assert.DoesNotContain("<- now", text);
    }

    [Fact]
    public void WarmUp_GetsTryColdThenWarm_OtherOperationsColdOnly()
    {
        var (front, tree, _, _) = Build("""
                operation:
                  gets: {warm_up: {cold: gutter, warm: third}, fill_ttl: 50}
                default: {warm_up: {cold: gutter, warm: third}}

            """);
        var answer = RouteExplainer.Explain(front, tree, Key("k"), null, offline: false);
        Assert.Equal(4, answer.Decisions.Count); // the tree tells operations apart: one decision per class
        var text = answer.Text();
        Assert.Contains("operation: get\npath: route:operation -> gets -> warm_up\n", text);
        Assert.Contains("operation: delete\npath: route:operation -> default -> warm_up\n", text);
        Assert.Contains("a warm hit is added to cold (add, fill_ttl 50 s)", text);
        var get = answer.Decisions[0];
        Assert.Equal([RouteUse.Now, RouteUse.Next], get.Choices.Select(c => c.Use));
        var update = answer.Decisions[1];
        Assert.Equal([RouteUse.Now, RouteUse.Unused], update.Choices.Select(c => c.Use));
        Assert.Contains("2. third (warm): server t1 127.0.0.1:5 (index 0), up  not for this operation\n",
            RouteExplainer.Explain(front, tree, Key("k"), RouteOperation.Update, offline: false).Text());
    }

    [Fact]
    public void Shadow_SaysWhetherTheKeyIsInTheFraction_AndWhereTheCopyGoes()
    {
        var (front, tree, _, _) = Build("""
                shadow: third
                shadow_fraction: 0.5
                primary: gutter

            """);
        // The fraction is the low half of the CRC32 range.
        var inside = Enumerable.Range(0, 100).Select(i => $"s{i}").First(k => HashFunctions.Crc32a(Key(k)) < 0x80000000u);
        var outside = Enumerable.Range(0, 100).Select(i => $"s{i}").First(k => HashFunctions.Crc32a(Key(k)) >= 0x80000000u);
        var text = Text(front, tree, inside);
        Assert.Contains("path: route:shadow -> primary -> pool gutter\n", text);
        Assert.Contains("shadow route:shadow (shadow_fraction 0.5): the key is in its fraction: a copy goes to pool third, server t1 127.0.0.1:5 (index 0), up; its reply is discarded\n", text);
        Assert.Contains("shadow route:shadow (shadow_fraction 0.5): the key is not in its fraction: no copy to pool third\n", Text(front, tree, outside));
    }

    [Fact]
    public void Json_CarriesTheDecision()
    {
        var (front, tree, _, _) = Build("""
                prefix:
                  "u:": {failover: [gutter, third]}

            """);
        var answer = RouteExplainer.Explain(front, tree, Key("u:1"), null, offline: false);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            answer.WriteJson(w);
        }
        var json = JsonDocument.Parse(buffer.WrittenMemory).RootElement;
        Assert.True(json.GetProperty("routes").GetBoolean());
        var d = json.GetProperty("decisions")[0];
        Assert.Equal("any", d.GetProperty("operation").GetString());
        Assert.Equal("route:prefix -> \"u:\" -> failover", d.GetProperty("path").GetString());
        Assert.Equal("gutter", d.GetProperty("now").GetString());
        Assert.Equal(["connect", "timeout", "ejected", "server_error"], d.GetProperty("failover_errors").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["now", "next"], d.GetProperty("pools").EnumerateArray().Select(p => p.GetProperty("use").GetString()));
        Assert.Equal("127.0.0.1:5", d.GetProperty("pools")[1].GetProperty("server").GetProperty("address").GetString());
        Assert.Equal(answer.Text(), json.GetProperty("explanation").GetString());
    }

    [Fact]
    public void Offline_IsTheLiveAnswerWithEveryServerInService()
    {
        var (front, tree, _, config) = Build("""
                prefix:
                  "r:": {replicated: [cache, gutter, third]}
                default: {shadow: third, primary: {failover: [cache, gutter]}}

            """);
        foreach (var key in new[] { "r:1", "r:2", "x", "y" })
        {
            var live = Text(front, tree, key);
            var offline = RouteLookup.OfflineRoutes(config, config.Pools.Single(p => p.Name == "front"), Key(key), null).Text();
            Assert.Equal(live, offline.Replace("offline: from the configuration, every server in service\n", ""));
        }
    }

    [Fact]
    public void CountingNodes_AreTerminalsAndShadows_NotThePoolsTheyList()
    {
        var (_, tree, _, _) = Build("""
                prefix:
                  "s:": {shadow: third, primary: gutter}
                  "f:": {failover: [cache, gutter]}

            """);
        Assert.Equal(
            ["route.prefix[\"f:\"]:failover", "route.prefix[\"s:\"]:shadow", "route.prefix[\"s:\"].primary:gutter", "route.default:none"],
            RouteStats.CountingNodes(tree).Select(n => n.Path));
    }
}
