using System.Text.RegularExpressions;

namespace Sharpcracker.IntegrationTests.Operations;

/// <summary>The status page with a listener that routes: its tree with counters, and the pools that serve routes only.</summary>
public sealed partial class ConsolePageTests
{
    [Fact]
    public async Task StatusPage_InHeadlessChromium_ShowsTheRouteTreeAndRouteOnlyPools()
    {
        using var cache = ExternalProcess.StartMemcached();
        using var gutter = ExternalProcess.StartMemcached();
        var listen = FreePort.Next();
        var yaml = $"""
            cache:
              servers:
                - 127.0.0.1:{cache.Port}:1 c1
            gutter:
              servers:
                - 127.0.0.1:{gutter.Port}:1 g1
            front:
              listen: 127.0.0.1:{listen}
              route:
                prefix:
                  "g:": gutter
                default:
                  failover: [cache, gutter]

            """;
        using var proxy = TestProxy.StartProcess(yaml, listen, metrics: true);
        proxy.WaitListening(proxy.MetricsPort);
        using (var client = new McConnection(listen))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal("END\r\n", await client.RoundTripAsync($"get k{i}\r\n", "END\r\n"));
            }
            Assert.Equal("END\r\n", await client.RoundTripAsync("get g:1\r\n", "END\r\n"));
        }

        var dom = await ChromiumAsync("--dump-dom", $"http://127.0.0.1:{proxy.MetricsPort}/");
        Assert.True(Refreshes(dom) >= 1, "the page never rendered: " + dom[..Math.Min(dom.Length, 2000)]);
        Assert.Contains("data-pool=\"front\"", dom);
        Assert.Contains("routes</span>", dom); // the listener's line: protocol · listen · routes
        // One row per node, each with its requests (the failover's three gets; the prefix's four in all).
        Assert.Equal("4", NodeRequests(dom, "route:prefix", "prefix"));
        Assert.Equal("3", NodeRequests(dom, "route.default:failover", "failover"));
        Assert.Equal("1", NodeRequests(dom, "route.prefix[\"g:\"]:gutter", "pool"));
        Assert.Contains("data-node=\"route.default:failover.normal[0]:cache\"", dom);
        // The pools without listen have their own sections, with their servers.
        foreach (var (pool, server) in new[] { ("cache", "c1"), ("gutter", "g1") })
        {
            Assert.Matches($"data-pool=\"{pool}\".*?no listen: serves routes only", dom);
            Assert.Equal("up", StateShown(dom, server));
        }
    }

    /// <summary>The requests cell of a route node's row.</summary>
    private static string NodeRequests(string dom, string path, string kind)
    {
        var row = Regex.Match(dom, $"<tr data-node=\"{Regex.Escape(path.Replace("\"", "&quot;"))}\" data-kind=\"{kind}\">(.*?)</tr>");
        Assert.True(row.Success, $"no row for node {path}");
        return Regex.Match(row.Groups[1].Value, "<td class=\"num\">([^<]*)</td>").Groups[1].Value;
    }
}
