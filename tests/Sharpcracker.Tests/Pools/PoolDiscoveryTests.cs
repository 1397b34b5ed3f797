using Sharpcracker.Configuration;
using Sharpcracker.Pools;

namespace Sharpcracker.Tests.Pools;

/// <summary>Which pools wait for a first topology before accepting clients, and the state they report.</summary>
public sealed class PoolDiscoveryTests
{
    private static PoolConfig Pool(string extra) => ConfigLoader.Parse(
        $"p:\n  listen: 127.0.0.1:22121\n  redis: true\n{extra}  servers:\n    - 127.0.0.1:6379:1 g\n", "t.yml").Pools[0];

    [Fact]
    public void ServersInTheFile_KnownAtOnce()
    {
        var discovery = PoolDiscovery.For(Pool(""));
        Assert.True(discovery.IsKnown);
        Assert.True(discovery.Known.IsCompletedSuccessfully);
        Assert.False(discovery.MarkKnown());
    }

    [Theory]
    [InlineData("  sentinels:\n    - 127.0.0.1:26379\n", "sentinel")]
    [InlineData("  distribution: redis_cluster\n", "CLUSTER SLOTS")]
    public void DiscoveredPools_WaitUntilMarked(string keys, string missing)
    {
        var discovery = PoolDiscovery.For(Pool(keys));
        Assert.False(discovery.IsKnown);
        Assert.Contains(missing, discovery.Missing, StringComparison.Ordinal);
        discovery.StillMissing("no node answered\r\nat all");
        Assert.Equal("no node answered at all", discovery.Missing); // one line: it becomes part of an error reply
        Assert.Equal(-1, discovery.KnownAfterMs);
        Assert.True(discovery.MarkKnown());
        Assert.True(discovery.IsKnown);
        Assert.True(discovery.KnownAfterMs >= 0);
        Assert.False(discovery.MarkKnown());
    }

    [Fact]
    public void VBucketStreamPool_WaitsOnlyWithoutAMap()
    {
        var config = ConfigLoader.Parse("p:\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:11211:1\n", "t.yml").Pools[0];
        Assert.False(PoolDiscovery.For(config with { VBucketStream = true, Servers = [] }).IsKnown);
        Assert.True(PoolDiscovery.For(config).IsKnown);
    }
}
