using System.Text;
using Sharpcracker.Configuration;
using Sharpcracker.ControlPlane;
using Sharpcracker.OperatorConsole;
using Sharpcracker.Routing;

namespace Sharpcracker.Tests.Routing;

/// <summary>Redis Cluster's key slot rule, the slot map, CLUSTER SLOTS parsing and the pool's config rules.</summary>
public sealed class RedisClusterSlotMapTests
{
    /// <summary>Vectors checked with CLUSTER KEYSLOT on redis-server 7.0.15 (../shared/reference/redis-ha.md §4).</summary>
    [Theory]
    [InlineData("123456789", 12739)]
    [InlineData("foo", 12182)]
    [InlineData("{user1000}.following", 3443)]
    [InlineData("user1000", 3443)]
    [InlineData("foo{}{bar}", 8363)]
    [InlineData("foo{{bar}}zap", 4015)]
    [InlineData("{bar", 4015)]
    [InlineData("", 0)]
    public void Slot_IsRedisKeyHashSlot(string key, int slot) => Assert.Equal(slot, RedisClusterSlotMap.Slot(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void Map_FromRanges_OwnerPerSlot_MovedSlot_Ranges()
    {
        var map = RedisClusterSlotMap.FromRanges([(0, 5460, "127.0.0.1:7000"), (5461, 10922, "127.0.0.1:7001"), (10923, 16383, "127.0.0.1:7002")]);
        Assert.Equal(["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"], map.Nodes);
        Assert.Equal("127.0.0.1:7000", map.Owner(0));
        Assert.Equal("127.0.0.1:7001", map.Owner(5461));
        Assert.Equal("127.0.0.1:7002", map.Owner(16383));
        Assert.Equal(16384, map.AssignedSlots);
        // MOVED: one slot changes owner, the rest stays; a MOVED the map already knows changes nothing.
        var moved = map.WithSlot(12000, "127.0.0.1:7003");
        Assert.Same(moved, moved.WithSlot(12000, "127.0.0.1:7003"));
        Assert.Equal("127.0.0.1:7003", moved.Owner(12000));
        Assert.Equal("127.0.0.1:7002", map.Owner(12000));
        Assert.False(moved.SameAs(map));
        Assert.True(map.SameAs(RedisClusterSlotMap.FromRanges(map.Ranges().Select(r => (r.First, r.Last, r.Master!)))));
        Assert.Equal(
            [(0, 5460, "127.0.0.1:7000"), (5461, 10922, "127.0.0.1:7001"), (10923, 11999, "127.0.0.1:7002"), (12000, 12000, "127.0.0.1:7003"), (12001, 16383, "127.0.0.1:7002")],
            moved.Ranges().ToArray());
        // Unassigned slots have no owner.
        var partial = RedisClusterSlotMap.FromRanges([(100, 200, "a:1")]);
        Assert.Null(partial.Owner(99));
        Assert.Equal(101, partial.AssignedSlots);
        Assert.Equal(0, RedisClusterSlotMap.Empty.AssignedSlots);
        Assert.Throws<ArgumentException>(() => RedisClusterSlotMap.FromRanges([(10, 5, "a:1")]));
        Assert.Throws<ArgumentException>(() => RedisClusterSlotMap.FromRanges([(0, 16384, "a:1")]));
    }

    [Fact]
    public void ClusterSlotsReply_ParsedToMasterRangesWithReplicas()
    {
        // As redis-server 7.0 sends it: [first, last, [ip, port, id], replica...]; an empty ip is the asked node's.
        var reply = Encoding.ASCII.GetBytes(
            "*2\r\n" +
            "*4\r\n:0\r\n:8191\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$2\r\nr1\r\n" +
            "*6\r\n:8192\r\n:16383\r\n*4\r\n$0\r\n\r\n:7001\r\n$2\r\nid\r\n*0\r\n*3\r\n$0\r\n\r\n:7004\r\n$2\r\nr2\r\n*1\r\n$1\r\nx\r\n*3\r\n$1\r\n?\r\n:7005\r\n$2\r\nr3\r\n");
        var (ranges, error) = RedisClusterMonitor.ParseSlots(RespValue.Parse(reply), "10.0.0.5");
        Assert.Null(error);
        Assert.NotNull(ranges);
        Assert.Equal([(0, 8191, "127.0.0.1:7000"), (8192, 16383, "10.0.0.5:7001")], ranges.Select(r => (r.First, r.Last, r.Master)));
        // A replica entry that is not [ip, port, ...], or whose endpoint is unknown ("?"), is skipped; an empty ip is the asked node's.
        Assert.Equal(["127.0.0.1:7003"], ranges[0].Replicas);
        Assert.Equal(["10.0.0.5:7004"], ranges[1].Replicas);
        var map = RedisClusterSlotMap.FromRanges(ranges);
        Assert.Equal(["127.0.0.1:7000", "10.0.0.5:7001", "127.0.0.1:7003", "10.0.0.5:7004"], map.AllNodes);
        Assert.Equal(["10.0.0.5:7004"], map.ReplicasOf(1));
        // The same masters with other replicas are another map (a replica that failed or joined).
        Assert.False(map.SameAs(RedisClusterSlotMap.FromRanges([ranges[0], ranges[1] with { Replicas = [] }])));
        Assert.True(map.SameAs(RedisClusterSlotMap.FromRanges([ranges[1], ranges[0]])));
        // Replicas listed in another order are the same map; a master a MOVED emptied is gone from a refreshed one.
        Assert.True(RedisClusterSlotMap.FromRanges([new ClusterSlotRange(0, 16383, "m:1", ["r:2", "r:1"])])
            .SameAs(RedisClusterSlotMap.FromRanges([new ClusterSlotRange(0, 16383, "m:1", ["r:1", "r:2"])])));
        var emptied = RedisClusterSlotMap.FromRanges([(0, 0, "a:1"), (1, 16383, "b:1")]).WithSlot(0, "b:1");
        Assert.Contains("a:1", emptied.Nodes);
        Assert.False(emptied.SameAs(RedisClusterSlotMap.FromRanges([(0, 16383, "b:1")])));
        // A MOVED to a master the map did not know: no replicas for it until the next refresh.
        var moved = map.WithSlot(5, "127.0.0.1:7009");
        Assert.Empty(moved.ReplicasOf(moved.OwnerIndex(5)));
        Assert.Equal(["127.0.0.1:7003"], moved.ReplicasOf(moved.OwnerIndex(0)));
        Assert.NotNull(RedisClusterMonitor.ParseSlots(RespValue.Parse("*0\r\n"u8), "h").Error); // no slot served yet
        Assert.NotNull(RedisClusterMonitor.ParseSlots(RespValue.Parse("-ERR This instance has cluster support disabled\r\n"u8), "h").Error);
        Assert.NotNull(RedisClusterMonitor.ParseSlots(RespValue.Parse("*1\r\n*3\r\n:5\r\n:1\r\n*2\r\n$1\r\na\r\n:1\r\n"u8), "h").Error);
    }

    private const string Pool = """
        c:
          listen: 127.0.0.1:22121
          redis: true
          distribution: redis_cluster
          servers:
            - 127.0.0.1:7000:1
        """;

    [Fact]
    public void Config_RedisClusterPool()
    {
        var pool = ConfigLoader.Parse(Pool, "t.yml").Pools[0];
        Assert.Equal(DistributionKind.RedisCluster, pool.Distribution);
        Assert.True(DistributionKinds.TryParse("redis_cluster", out var kind));
        Assert.Equal("redis_cluster", DistributionKinds.Name(kind));
        Assert.Equal("{}", ConfigLoader.Parse(Pool + "\n  hash_tag: \"{}\"", "t.yml").Pools[0].HashTag);
        Assert.Equal(0, ConfigLoader.Parse(Pool + "\n  redis_db: 0", "t.yml").Pools[0].RedisDb);
    }

    [Theory]
    [InlineData("  hash: murmur", "directive \"hash\" (line 7) cannot be set with distribution redis_cluster")]
    [InlineData("  hash_tag: \"ab\"", "directive \"hash_tag\" (line 7) must be \"{}\" (or absent) with distribution redis_cluster")]
    [InlineData("  redis_db: 2", "directive \"redis_db\" (line 7) must be 0 with distribution redis_cluster")]
    public void Config_RedisClusterRulesRefused(string line, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Pool + "\n" + line, "t.yml")).Message;
        Assert.Contains("pool 'c': " + expected, error);
    }

    [Fact]
    public void Config_ConsoleViewOfAClusterPool_LoadsBack()
    {
        // The operator console's effective configuration of a cluster pool names no hash, so it loads again.
        var config = ConfigLoader.Parse(Pool + "\n  request_size_limit: 1048576\n  client_output_limit: 1048576", "t.yml");
        var shown = Sharpcracker.OperatorConsole.ConfigView.Render(config);
        Assert.DoesNotContain("hash:", shown);
        Assert.Equal(config.Pools[0], ConfigLoader.Parse(shown, "t.yml").Pools[0] with { Servers = config.Pools[0].Servers });
    }

    [Fact]
    public void Config_RedisClusterNeedsRedis()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Pool.Replace("  redis: true\n", ""), "t.yml")).Message;
        Assert.Contains("directive \"distribution\" (line 3) redis_cluster needs \"redis: true\"", error);
    }
}
