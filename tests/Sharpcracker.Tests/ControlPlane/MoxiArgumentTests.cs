using System.Text;
using Sharpcracker.Configuration;
using Sharpcracker.ControlPlane.Moxi;
using Sharpcracker.Hosting;
using Sharpcracker.Routing;

namespace Sharpcracker.Tests.ControlPlane;

public sealed class MoxiArgumentTests
{
    [Fact]
    public void HostList_DefaultPortKetama()
    {
        var config = new MoxiConfigSource(["11311=mc1,10.0.0.2:11312"], []).Build();
        var pool = Assert.Single(config.Pools);
        Assert.Equal("0.0.0.0:11311", pool.Listen.Text);
        Assert.Equal(DistributionKind.Ketama, pool.Distribution);
        Assert.Equal(["mc1:11211", "10.0.0.2:11312"], pool.Servers.Select(s => s.EndpointText));
        Assert.Null(pool.VBuckets);
    }

    [Fact]
    public void ListenOptions_AndUrlForms()
    {
        var source = new MoxiConfigSource(["url=http://a:8091/pools/default/bucketsStreamingConfig/default|http://b:8091/x"], ["port_listen=11400,listen_addr=127.0.0.1"]);
        Assert.Equal(["http://a:8091/pools/default/bucketsStreamingConfig/default", "http://b:8091/x"], source.StreamUrls.Select(u => u.ToString()));
        var pool = Assert.Single(source.Build().Pools);
        Assert.Equal("127.0.0.1:11400", pool.Listen.Text);
        Assert.Empty(pool.Servers);
        source.SetStreamMap(VBucketServerMap.Parse("""{"serverList":["x:1"],"vBucketMap":[[0]]}"""));
        var mapped = Assert.Single(source.Build().Pools);
        Assert.Equal(DistributionKind.VBucket, mapped.Distribution);
        Assert.Equal("x:1", Assert.Single(mapped.Servers).EndpointText);
    }

    [Theory]
    [InlineData("11211", "PORT=HOST")]
    [InlineData("0=mc1", "port")]
    [InlineData("11211=mc1,mc1", "twice")]
    [InlineData("11211=", "HOST")]
    [InlineData("url=ftp://x/", "http://")]
    public void BadZ_Refused(string z, string reason)
        => Assert.Contains(reason, Assert.Throws<ArgumentException>(() => new MoxiConfigSource([z], [])).Message);

    [Fact]
    public void BadCapitalZ_Refused()
        => Assert.Contains("downstream_max", Assert.Throws<ArgumentException>(() => new MoxiConfigSource(["1=a"], ["downstream_max=4"])).Message);

    [Fact]
    public void File_PortEqualsJsonLines()
    {
        var entries = MoxiConfigSource.ParseFile("""
            # comment
            11211 = { "hashAlgorithm": "CRC", "numReplicas": 0, "serverList": ["memcached_svr1:11311"], "vBucketMap": [ [0], [0] ] }

            11212 = {
              "serverList": ["a:1", "b:2"],
              "vBucketMap": [[1], [0], [1], [-1]]
            }
            """, "t.cfg");
        Assert.Equal([11211, 11212], entries.Select(e => e.Port));
        Assert.Equal("memcached_svr1:11311", entries[0].Map.Servers[0].EndpointText);
        Assert.Equal(4, entries[1].Map.Map.VBucketCount);
    }

    [Theory]
    [InlineData("x = {}", "line 1: expected PORT")]
    [InlineData("11211 {}", "expected '='")]
    [InlineData("11211 = {\"serverList\":[]", "not valid JSON")]
    [InlineData("1 = {\"serverList\":[\"a:1\"],\"vBucketMap\":[[0]]}\n2 = {\"serverList\":[\"a:1\"],\"vBucketMap\":[[5]]}", "line 2: port 2")]
    [InlineData("1 = {\"serverList\":[\"a:1\"],\"vBucketMap\":[[0]]}\n1 = {\"serverList\":[\"a:1\"],\"vBucketMap\":[[0]]}", "twice")]
    [InlineData("# nothing", "no PORT")]
    public void File_Errors_NameTheLine(string text, string reason)
        => Assert.Contains(reason, Assert.Throws<ConfigException>(() => MoxiConfigSource.ParseFile(text, "t.cfg")).Message);

    [Fact]
    public void CommandLine_ZFlags_BareUrl_WatchConfig()
    {
        var o = CommandLineOptions.Parse(["-z", "11211=a", "-z./f.cfg", "-Z", "port_listen=1", "http://h:8091/p", "--watch-config"]);
        Assert.Equal(["11211=a", "./f.cfg", "url=http://h:8091/p"], o.MoxiConfigs);
        Assert.Equal(["port_listen=1"], o.MoxiOptions);
        Assert.True(o.WatchConfig);
        Assert.False(CommandLineOptions.Parse([]).WatchConfig);
        Assert.Throws<ArgumentException>(() => CommandLineOptions.Parse(["-z"]));
    }
}
