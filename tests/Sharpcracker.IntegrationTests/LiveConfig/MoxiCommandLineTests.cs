using System.Diagnostics;
using Sharpcracker.Hosting;

namespace Sharpcracker.IntegrationTests.LiveConfig;

/// <summary>The moxi-style configuration forms and reload triggers, through the real executable.</summary>
public sealed class MoxiCommandLineTests
{
    private static string VBucketLine(int port, int[] servers, int[] masters)
        => $"{port} = {{ \"hashAlgorithm\": \"CRC\", \"numReplicas\": 0, \"serverList\": [{string.Join(", ", servers.Select(s => $"\"127.0.0.1:{s}\""))}], "
           + $"\"vBucketMap\": [{string.Join(", ", masters.Select(m => $"[{m}]"))}] }}\n";

    private static async Task<bool> PlacedPerMapAsync(int proxyPort, int[] servers, int[] masters, int[] all)
    {
        for (var i = 0; i < 16; i++)
        {
            var key = $"z{i * 977}";
            var value = Guid.NewGuid().ToString("N");
            if (!await LiveConfigKit.TrySetThroughAsync(proxyPort, key, value))
            {
                return false;
            }
            var expected = servers[masters[VBucketStreamTests.VBucketOf(key, masters.Length)]];
            if (!(await LiveConfigKit.HoldersAsync(key, value, all)).SequenceEqual([expected]))
            {
                return false;
            }
        }
        return true;
    }

    [Fact]
    public async Task HostList_SpreadsKeysOverTheListedServers()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var proxy = TestProxy.StartProcess(null, null, false, "-z", $"{port}=127.0.0.1:{s1.Port},127.0.0.1:{s2.Port}", "-Z", "listen_addr=127.0.0.1", "-v", "4");
        try
        {
            proxy.WaitListening(port);
            var perServer = new Dictionary<int, int> { [s1.Port] = 0, [s2.Port] = 0 };
            for (var i = 0; i < 60; i++)
            {
                var key = $"h{i * 7919}";
                await LiveConfigKit.SetThroughAsync(port, key, "v" + i);
                var holders = await LiveConfigKit.HoldersAsync(key, "v" + i, [s1.Port, s2.Port]);
                perServer[Assert.Single(holders)]++;
            }
            Assert.All(perServer.Values, n => Assert.True(n > 5, $"keys per server: {string.Join(",", perServer.Values)}"));
        }
        finally
        {
            proxy.Dispose();
        }
    }

    [Fact]
    public async Task VBucketFile_TwoPorts_ReloadedOnSighup()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        int[] all = [s1.Port, s2.Port];
        var portA = FreePort.Next();
        var portB = FreePort.Next();
        var dir = Directory.CreateTempSubdirectory("sc-moxi");
        var file = Path.Combine(dir.FullName, "vbucket.cfg");
        int[] mastersA = [0, 1, 1, 0];
        File.WriteAllText(file, "# moxi vbucket config\n" + VBucketLine(portA, all, mastersA) + "\n" + VBucketLine(portB, [s2.Port], [0, 0]));
        var proxy = TestProxy.StartProcess(null, null, false, "-z", file, "-Z", "listen_addr=127.0.0.1", "-v", "4");
        try
        {
            proxy.WaitListening(portA);
            Assert.True(await PlacedPerMapAsync(portA, all, mastersA, all), "port A does not follow its map");
            Assert.True(await PlacedPerMapAsync(portB, [s2.Port], [0, 0], all), "port B does not follow its map");

            // New map for A, B removed, then SIGHUP.
            int[] mastersA2 = [1, 1, 0, 0, 1, 0, 1, 0];
            File.WriteAllText(file, VBucketLine(portA, [s2.Port, s1.Port], mastersA2));
            proxy.Signal("HUP");
            Assert.True(await LiveConfigKit.EventuallyAsync(() => PlacedPerMapAsync(portA, [s2.Port, s1.Port], mastersA2, all)), "SIGHUP did not apply the new map");
            Assert.True(await LiveConfigKit.EventuallyAsync(() =>
            {
                try
                {
                    new McConnection(portB).Dispose();
                    return Task.FromResult(false);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    return Task.FromResult(true);
                }
            }), "the removed port still accepts");
            // The new map is served before the reloader counts the reload: poll the counter.
            Assert.True(await LiveConfigKit.EventuallyAsync(async () => (await LiveConfigKit.ProxyStatsAsync(portA))["config_reloads"] == "1"),
                "config_reloads did not reach 1");
            Assert.Equal("0", (await LiveConfigKit.ProxyStatsAsync(portA))["config_reload_failures"]);

            // An invalid file is refused on SIGHUP; the process keeps serving the last map.
            File.WriteAllText(file, $"{portA} = {{ \"serverList\": [\"127.0.0.1:1\"], \"vBucketMap\": [[0],[0],[0]] }}\n");
            proxy.Signal("HUP");
            Assert.True(await LiveConfigKit.EventuallyAsync(async () => (await LiveConfigKit.ProxyStatsAsync(portA))["config_reload_failures"] == "1"));
            Assert.True(await PlacedPerMapAsync(portA, [s2.Port, s1.Port], mastersA2, all));
            Assert.False(proxy.Process.HasExited);
        }
        finally
        {
            proxy.Dispose();
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task WatchConfig_YamlChange_StartsTheNewPool()
    {
        using var s1 = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var newPort = FreePort.Next();
        var dir = Directory.CreateTempSubdirectory("sc-watch");
        var conf = Path.Combine(dir.FullName, "nutcracker.yml");
        var alpha = $"alpha:\n  listen: 127.0.0.1:{port}\n  servers:\n    - 127.0.0.1:{s1.Port}:1\n";
        File.WriteAllText(conf, alpha);
        var proxy = TestProxy.StartProcess(null, null, false, "-c", conf, "--watch-config", "-v", "4");
        try
        {
            using var client = ExternalProcess.ConnectWhenListening(port, proxy.Process, "sharpcracker");
            Assert.Equal("STORED\r\n", await client.RoundTripAsync("set w 0 0 1\r\nx\r\n", "STORED\r\n"));
            File.WriteAllText(conf, alpha + $"beta:\n  listen: 127.0.0.1:{newPort}\n  servers:\n    - 127.0.0.1:{s1.Port}:1\n");
            using var beta = ExternalProcess.ConnectWhenListening(newPort, proxy.Process, "sharpcracker");
            Assert.Equal("STORED\r\n", await beta.RoundTripAsync("set w2 0 0 1\r\ny\r\n", "STORED\r\n"));
            // The first client's connection was not touched.
            Assert.Equal("STORED\r\n", await client.RoundTripAsync("set w 0 0 1\r\nz\r\n", "STORED\r\n"));
        }
        finally
        {
            proxy.Dispose();
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task BareUrlArgument_FollowsTheStream()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        int[] all = [s1.Port, s2.Port];
        using var server = new StreamingConfigServer();
        var port = FreePort.Next();
        var proxy = TestProxy.StartProcess(null, null, false, server.Url, "-Z", $"port_listen={port},listen_addr=127.0.0.1", "-v", "4");
        try
        {
            using var stream = await server.AcceptAsync();
            int[] masters = [1, 0, 0, 1];
            await stream.SendChunkAsync("{\"vBucketServerMap\":{\"hashAlgorithm\":\"CRC\",\"numReplicas\":0,\"serverList\":["
                + $"\"127.0.0.1:{s1.Port}\",\"127.0.0.1:{s2.Port}\"],\"vBucketMap\":[[1],[0],[0],[1]]}}}}\n\n\n\n");
            proxy.WaitListening(port);
            Assert.True(await LiveConfigKit.EventuallyAsync(() => PlacedPerMapAsync(port, all, masters, all)), "the stream's map was not applied");
        }
        finally
        {
            proxy.Dispose();
        }
    }
}
