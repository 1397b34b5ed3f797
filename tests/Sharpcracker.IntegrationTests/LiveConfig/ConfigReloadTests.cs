using Microsoft.Extensions.Logging.Abstractions;
using Sharpcracker.Configuration;
using Sharpcracker.Hosting;
using Sharpcracker.IntegrationTests.Differential;
using Sharpcracker.Pools;
using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.IntegrationTests.LiveConfig;

/// <summary>
/// Hot reload under load: one client pipelines verified traffic through a pool while the config
/// file is reloaded five times. No reply may fail, be lost or belong to another request, the
/// client's connection stays open, and afterwards keys land where the new continuum says.
/// </summary>
public sealed class ConfigReloadTests
{
    private static string Yaml(int port, IEnumerable<(int Port, int Weight, string Name)> servers, string extraPool = "")
        => $"""
            alpha:
              listen: 127.0.0.1:{port}
              hash: fnv1a_64
              distribution: ketama
              timeout: 30000
              servers:
            {string.Concat(servers.Select(s => $"    - 127.0.0.1:{s.Port}:{s.Weight} {s.Name}\n"))}{extraPool}
            """;

    [Fact]
    public async Task FiveReloadsUnderPipelinedLoad_NoReplyLostOrMixedUp_ConnectionKept()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        using var s3 = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var betaPort = FreePort.Next();
        var path = Path.Combine(Path.GetTempPath(), $"reload-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, Yaml(port, [(s1.Port, 1, "a"), (s2.Port, 1, "b")]));
        try
        {
            await using var proxy = await TestProxy.StartAsync(File.ReadAllText(path), port);
            await using var reloader = new ConfigReloader(proxy.Host, () => ConfigLoader.LoadFile(path), [path], NullLogger.Instance);
            var reloadsBefore = ConfigReloadCounters.Reloads;
            var failuresBefore = ConfigReloadCounters.Failures;

            await using var client = new VerifyingClient(port, "load");
            var second = new VerifyingClient(port, "other");
            await client.WaitForBatchesAsync(3);

            async Task ReloadAsync(string yaml, bool expectApplied)
            {
                File.WriteAllText(path, yaml);
                Assert.Equal(expectApplied, await reloader.ReloadAsync("test"));
                await client.WaitForBatchesAsync(5);
            }

            // 1: add a server.
            await ReloadAsync(Yaml(port, [(s1.Port, 1, "a"), (s2.Port, 1, "b"), (s3.Port, 1, "c")]), true);
            // 2: remove one.
            await ReloadAsync(Yaml(port, [(s2.Port, 1, "b"), (s3.Port, 1, "c")]), true);
            // 3: change weights.
            await ReloadAsync(Yaml(port, [(s2.Port, 3, "b"), (s3.Port, 1, "c")]), true);
            // 4: add a pool.
            var beta = $"""
                beta:
                  listen: 127.0.0.1:{betaPort}
                  servers:
                    - 127.0.0.1:{s1.Port}:1 only

                """;
            await ReloadAsync(Yaml(port, [(s2.Port, 3, "b"), (s3.Port, 1, "c")], beta), true);
            await LiveConfigKit.SetThroughAsync(betaPort, "beta-key", "beta-value");
            Assert.Equal("beta-value", await LiveConfigKit.GetDirectAsync(s1.Port, "beta-key"));
            // 5: an invalid file is refused as a whole; everything keeps running.
            await ReloadAsync(Yaml(port, [(s1.Port, 1, "a")], beta).Replace("hash: fnv1a_64", "hash: sha1"), false);
            await LiveConfigKit.SetThroughAsync(betaPort, "beta-key2", "v2");

            await client.StopAsync();
            await second.StopAsync();
            await second.DisposeAsync();
            Assert.Empty(client.Errors);
            Assert.Empty(second.Errors);
            Assert.True(client.Replies > 1000);

            Assert.True(ConfigReloadCounters.Reloads - reloadsBefore >= 4);
            Assert.True(ConfigReloadCounters.Failures - failuresBefore >= 1);
            var stats = await LiveConfigKit.ProxyStatsAsync(port);
            Assert.True(long.Parse(stats["config_reloads"]) >= 4);
            Assert.True(long.Parse(stats["config_reload_failures"]) >= 1);
            Assert.Equal("2", stats["servers"]);

            // Placement follows the final continuum (b weight 3, c weight 1), computed independently.
            var router = new KeyRouter(Sharpcracker.Routing.Hashing.HashKind.Fnv1a_64, HashTag.None, DistributionKind.Ketama,
                [new ContinuumMember(0, "b", 3), new ContinuumMember(1, "c", 1)]);
            int[] ports = [s2.Port, s3.Port];
            var landed = new int[2];
            for (var i = 0; i < 200; i++)
            {
                var key = "k" + (i * 7919); // varied keys: fnv1a_64 keeps near-identical keys close on the circle
                await LiveConfigKit.SetThroughAsync(port, key, "v" + i);
                var expected = ports[router.Route(System.Text.Encoding.ASCII.GetBytes(key))];
                Assert.Equal([expected], await LiveConfigKit.HoldersAsync(key, "v" + i, [s1.Port, s2.Port, s3.Port]));
                landed[Array.IndexOf(ports, expected)]++;
            }
            Assert.True(landed[0] > landed[1] && landed[1] > 10, $"keys per server: {string.Join(",", landed)}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task TwentyReloadsAgainstFourPipeliningClients_NoReplyLostOrMixedUp()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        using var s3 = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        (int, int, string)[][] shapes =
        [
            [(s1.Port, 1, "a"), (s2.Port, 1, "b")],
            [(s2.Port, 2, "b"), (s3.Port, 1, "c")],
            [(s1.Port, 1, "a"), (s2.Port, 1, "b"), (s3.Port, 3, "c")],
            [(s3.Port, 1, "c")],
        ];
        await using var proxy = await TestProxy.StartAsync(Yaml(port, shapes[0]), port);
        var clients = Enumerable.Range(0, 4).Select(i => new VerifyingClient(port, "c" + i)).ToList();
        try
        {
            for (var i = 1; i <= 20; i++)
            {
                await proxy.Host.ApplyAsync(ConfigLoader.Parse(Yaml(port, shapes[i % shapes.Length]), "t.yml"));
                await clients[i % clients.Count].WaitForBatchesAsync(1);
            }
            foreach (var client in clients)
            {
                await client.StopAsync();
                Assert.Empty(client.Errors);
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task RemovedPool_StopsListening_ClientGetsPendingRepliesThenClose()
    {
        using var s1 = ExternalProcess.StartMemcached();
        var keepPort = FreePort.Next();
        var dropPort = FreePort.Next();
        string Pool(string name, int p) => $"{name}:\n  listen: 127.0.0.1:{p}\n  servers:\n    - 127.0.0.1:{s1.Port}:1\n";
        await using var proxy = await TestProxy.StartAsync(Pool("keep", keepPort) + Pool("drop", dropPort), keepPort);
        using var keepClient = new McConnection(keepPort);
        using var dropClient = new McConnection(dropPort);
        Assert.Equal("STORED\r\n", await dropClient.RoundTripAsync("set k 0 0 1\r\nx\r\n", "STORED\r\n"));

        var changes = await proxy.Host.ApplyAsync(ConfigLoader.Parse(Pool("keep", keepPort), "new.yml"));
        Assert.Contains(changes, c => c.StartsWith("-pool 'drop'", StringComparison.Ordinal));

        // The removed pool's client is closed (its earlier reply was delivered above); new clients are refused.
        var rest = await dropClient.ReadToEndAsync();
        Assert.Empty(rest);
        Assert.Throws<System.Net.Sockets.SocketException>(() => new McConnection(dropPort).Dispose());
        // The kept pool's client never noticed.
        Assert.Equal("STORED\r\n", await keepClient.RoundTripAsync("set k2 0 0 1\r\ny\r\n", "STORED\r\n"));
    }

    [Fact]
    public async Task SameConfigTwice_NoChanges_ServerConnectionsKept()
    {
        using var s1 = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var yaml = $"alpha:\n  listen: 127.0.0.1:{port}\n  servers:\n    - 127.0.0.1:{s1.Port}:1 a\n";
        await using var proxy = await TestProxy.StartAsync(yaml, port);
        using var client = new McConnection(port);
        Assert.Equal("STORED\r\n", await client.RoundTripAsync("set k 0 0 1\r\nx\r\n", "STORED\r\n"));
        var connectionsBefore = await DifferentialTests.StatAsync(s1.Port, "total_connections");

        var changes = await proxy.Host.ApplyAsync(ConfigLoader.Parse(yaml.Replace(":1 a", ":5 a"), "t.yml"));
        Assert.Equal([$"pool 'alpha': server 127.0.0.1:{s1.Port} weight 1 -> 5"], changes);
        Assert.Empty(await proxy.Host.ApplyAsync(ConfigLoader.Parse(yaml.Replace(":1 a", ":5 a"), "t.yml")));
        Assert.Equal("STORED\r\n", await client.RoundTripAsync("set k 0 0 1\r\nx\r\n", "STORED\r\n"));
        // Our own stats connection is the only new one: the proxy's server connection survived.
        Assert.Equal(connectionsBefore + 1, await DifferentialTests.StatAsync(s1.Port, "total_connections"));
    }
}
