using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Sharpcracker.IntegrationTests.Redis.Clients;

/// <summary>
/// node-redis 6.3.1 (scanIterator) and ioredis 6.0.0 (scanStream), with their defaults, scan
/// 10,000 keys through a pool of three redis-servers: every key exactly once, and the cursors
/// that carry a server index (above 2^61) reach the proxy again unchanged.
/// </summary>
public sealed class NodeScanTests
{
    [Theory]
    [InlineData("node-redis")]
    [InlineData("ioredis")]
    public async Task Client_ScansTenThousandKeys_EachExactlyOnce(string library)
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port], "hash: murmur");
        using (var c = new RespConnection(proxy.Port))
        {
            for (var i = 0; i < 10_000; i += 500)
            {
                Assert.Equal("+OK\r\n", await c.CallAsync(["MSET", .. Enumerable.Range(i, 500).SelectMany(k => new[] { "scan:" + k, "v" })]));
            }
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "other", "v"));
        }
        var options = JsonSerializer.Serialize(new Dictionary<string, object?> { ["port"] = proxy.Port, ["library"] = library, ["match"] = "scan:*" });
        if (!Directory.Exists(Path.Combine(ClientScripts.NodeFolder, "node_modules")))
        {
            throw new InvalidOperationException($"{ClientScripts.NodeFolder}/node_modules is missing; run ./scripts/install-deps");
        }
        var (exit, stdout, stderr) = await ToolProcess.RunAsync("node", [Path.Combine(ClientScripts.NodeFolder, "scan.js"), options], TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, $"scan.js exited {exit}: {stdout} {stderr}");
        using var results = JsonDocument.Parse(stdout);
        var keys = results.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToList();
        Assert.Equal(10_000, keys.Count);
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => "scan:" + i).Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        var cursors = results.RootElement.GetProperty("cursors").EnumerateArray().Select(k => BigInteger.Parse(k.GetString()!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(BigInteger.Zero, cursors[^1]);
        Assert.Contains(cursors, c => c >= BigInteger.One << 62); // the third server's cursors went through the client
        Assert.All(cursors, c => Assert.True(c <= long.MaxValue));
    }
}
