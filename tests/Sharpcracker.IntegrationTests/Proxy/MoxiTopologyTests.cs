using System.Text;
using Sharpcracker.IntegrationTests.Differential;
using Sharpcracker.IntegrationTests.LiveConfig;

namespace Sharpcracker.IntegrationTests.Proxy;

/// <summary>
/// moxi's test topologies with Sharpcracker in every proxy position: a chain
/// client → proxy → proxy → proxy → memcached, a fan-out client → proxy → three memcached, and
/// fan-out-and-back-in client → proxy → two proxies → one memcached; verified traffic through each.
/// </summary>
public sealed class MoxiTopologyTests
{
    /// <summary>Pipelined verified traffic, then 60 known keys set and read back with one multi-get.</summary>
    private static async Task DriveAsync(int port, string prefix)
    {
        await using (var client = new VerifyingClient(port, prefix))
        {
            await client.WaitForBatchesAsync(10);
            await client.StopAsync();
            Assert.Empty(client.Errors);
        }
        using var connection = new McConnection(port);
        var sets = new StringBuilder();
        var expected = new StringBuilder();
        var keys = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var key = $"{prefix}-m{i * 31}";
            var value = $"value-{i}-{key}";
            keys.Add(key);
            sets.Append($"set {key} {i} 0 {value.Length}\r\n{value}\r\n");
            expected.Append($"VALUE {key} {i} {value.Length}\r\n{value}\r\n");
        }
        expected.Append("END\r\n");
        await connection.SendAsync(sets.ToString());
        for (var i = 0; i < keys.Count; i++)
        {
            Assert.Equal("STORED", await connection.ReadLineAsync());
        }
        Assert.Equal(expected.ToString(), await connection.RoundTripAsync($"get {string.Join(' ', keys)}\r\n", expected.ToString()));
    }

    [Fact]
    public async Task Chain_ThreeProxiesDeep()
    {
        using var memcached = ExternalProcess.StartMemcached();
        await using var third = await TestProxy.StartMemcachedAsync([memcached.Port]);
        await using var second = await TestProxy.StartMemcachedAsync([third.Port]);
        await using var first = await TestProxy.StartMemcachedAsync([second.Port]);
        await DriveAsync(first.Port, "chain");
        Assert.Equal("value-5-chain-m155", await LiveConfigKit.GetDirectAsync(memcached.Port, "chain-m155"));
    }

    [Fact]
    public async Task FanOut_AndFanOutBackIn()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        using var s3 = ExternalProcess.StartMemcached();
        await using (var fan = await TestProxy.StartMemcachedAsync([s1.Port, s2.Port, s3.Port]))
        {
            await DriveAsync(fan.Port, "fan");
        }
        foreach (var s in new[] { s1, s2, s3 })
        {
            Assert.True(await DifferentialTests.StatAsync(s.Port, "curr_items") > 10);
        }

        using var sink = ExternalProcess.StartMemcached();
        await using var left = await TestProxy.StartMemcachedAsync([sink.Port]);
        await using var right = await TestProxy.StartMemcachedAsync([sink.Port]);
        await using var front = await TestProxy.StartMemcachedAsync([left.Port, right.Port]);
        await DriveAsync(front.Port, "back-in");
        Assert.Equal("value-7-back-in-m217", await LiveConfigKit.GetDirectAsync(sink.Port, "back-in-m217"));
    }
}
