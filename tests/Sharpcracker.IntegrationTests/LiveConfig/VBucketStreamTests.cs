using System.Text;
using Microsoft.Extensions.Logging;
using Sharpcracker.Hosting;
using Sharpcracker.Pools;

namespace Sharpcracker.IntegrationTests.LiveConfig;

/// <summary>
/// moxi's <c>-z url=…</c>: the proxy follows a streaming vBucket config served by a test HTTP
/// server on loopback, applies each of three maps live (checked by reading the backends
/// directly), keeps the last good map while the stream is broken or sends garbage, and
/// reconnects.
/// </summary>
public sealed class VBucketStreamTests
{
    /// <summary>libvbucket's CRC hash, written out independently of the proxy: standard CRC-32, bits 16..30.</summary>
    internal static int VBucketOf(string key, int vbuckets)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in Encoding.ASCII.GetBytes(key))
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
            }
        }
        var hash = ((~crc) >> 16) & 0x7fff;
        return (int)(hash & (uint)(vbuckets - 1));
    }

    private static string MapJson(int[] serverPorts, int[] masters)
        => "{\"name\":\"default\",\"nodeLocator\":\"vbucket\",\"vBucketServerMap\":{\"hashAlgorithm\":\"CRC\",\"numReplicas\":1,"
           + "\"serverList\":[" + string.Join(",", serverPorts.Select(p => $"\"127.0.0.1:{p}\"")) + "],"
           + "\"vBucketMap\":[" + string.Join(",", masters.Select(m => $"[{m},-1]")) + "]}}";

    /// <summary>Sets probe keys (fresh values) through the proxy; true when each is on exactly the server the map names.</summary>
    private static async Task<bool> PlacedPerMapAsync(int proxyPort, int[] serverPorts, int[] masters, int[] allBackends, string tag)
    {
        for (var i = 0; i < 24; i++)
        {
            var key = $"vb{i * 131}";
            var value = $"{tag}-{Guid.NewGuid():N}";
            if (!await LiveConfigKit.TrySetThroughAsync(proxyPort, key, value))
            {
                return false;
            }
            var expected = serverPorts[masters[VBucketOf(key, masters.Length)]];
            var holders = await LiveConfigKit.HoldersAsync(key, value, allBackends);
            if (holders.Count != 1 || holders[0] != expected)
            {
                return false;
            }
        }
        return true;
    }

    [Fact]
    public async Task ThreeMapsOverAChunkedStream_FollowedLive_SurvivesABreak()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        using var s3 = ExternalProcess.StartMemcached();
        int[] all = [s1.Port, s2.Port, s3.Port];
        using var server = new StreamingConfigServer();
        var port = FreePort.Next();
        var options = CommandLineOptions.Parse(["-z", "url=" + server.Url, "-Z", $"port_listen={port},listen_addr=127.0.0.1"]);
        await using var live = Sharpcracker.Hosting.LiveConfig.FromOptions(options);
        await using var host = new ProxyHost(live.Load(), logging => logging.SetMinimumLevel(LogLevel.Warning));
        await host.StartAsync();
        live.Start(host, watch: false);

        using var first = await server.AcceptAsync();
        // The port is open before any map, but the pool does not accept until the map is known
        // (issue 25 §1): a client that connects and sends now is served once it arrives, not
        // answered "no server available".
        using var early = new McConnection(port);
        await early.SendAsync("set early 0 0 1\r\nx\r\n");
        var ready = Sharpcracker.OperatorConsole.Readiness.Passive(new ProxyHostView(host));
        Assert.False(ready.Ready);
        Assert.Contains("servers not discovered", ready.Describe(), StringComparison.Ordinal);

        // Map 1: two servers, eight vBuckets.
        int[] list1 = [s1.Port, s2.Port];
        int[] masters1 = [0, 1, 0, 1, 1, 0, 1, 0];
        await first.SendChunkAsync(MapJson(list1, masters1) + "\n\n\n\n");
        Assert.Equal("STORED", await early.ReadLineAsync());
        Assert.True(await LiveConfigKit.EventuallyAsync(() => PlacedPerMapAsync(port, list1, masters1, all, "m1")), "map 1 not followed");

        // Map 2: other servers and indices, the document split over chunks mid-token.
        int[] list2 = [s3.Port, s2.Port];
        int[] masters2 = [1, 0, 0, 0, 1, 1, 0, 1];
        var doc2 = MapJson(list2, masters2) + "\n\n\n\n";
        await first.SendChunkAsync(doc2[..37]);
        await first.SendChunkAsync(doc2[37..100]);
        await first.SendChunkAsync(doc2[100..]);
        Assert.True(await LiveConfigKit.EventuallyAsync(() => PlacedPerMapAsync(port, list2, masters2, all, "m2")), "map 2 not followed");

        // The stream breaks: the proxy keeps serving map 2 and reconnects.
        first.Break();
        Assert.True(await PlacedPerMapAsync(port, list2, masters2, all, "m2b"), "map 2 lost when the stream broke");
        using var second = await server.AcceptAsync();

        // A document that is not a usable map is refused; map 2 stays.
        var failures = ConfigReloadCounters.Failures;
        await second.SendChunkAsync("{\"vBucketServerMap\":{\"hashAlgorithm\":\"CRC\",\"serverList\":[\"127.0.0.1:1\"],\"vBucketMap\":[[0],[0],[0]]}}\n\n");
        Assert.True(await LiveConfigKit.EventuallyAsync(() => Task.FromResult(ConfigReloadCounters.Failures > failures)), "bad map not refused");
        Assert.True(await PlacedPerMapAsync(port, list2, masters2, all, "m2c"), "a refused map changed the placement");

        // Map 3 over the new connection.
        int[] list3 = [s2.Port, s3.Port, s1.Port];
        int[] masters3 = [2, 2, 0, 1, 0, 2, 1, 2, 0, 1, 2, 0, 1, 1, 0, 2];
        await second.SendChunkAsync(MapJson(list3, masters3) + "\n\n\n\n");
        Assert.True(await LiveConfigKit.EventuallyAsync(() => PlacedPerMapAsync(port, list3, masters3, all, "m3")), "map 3 not followed");
    }
}
