using System.Text;
using Sharpcracker.Configuration;

namespace Sharpcracker.Tests.ControlPlane;

public sealed class VBucketServerMapParserTests
{
    private const string Bare = """{ "hashAlgorithm": "CRC", "numReplicas": 1, "serverList": ["10.0.0.1:11210", "mc2"], "vBucketMap": [[0, 1], [1, -1]] }""";

    [Fact]
    public void BareMap_Parsed()
    {
        var map = VBucketServerMap.Parse(Bare);
        Assert.Equal("CRC", map.HashAlgorithm);
        Assert.Equal(1, map.NumReplicas);
        Assert.Equal(["10.0.0.1:11210", "mc2:11211"], map.Servers.Select(s => s.EndpointText));
        Assert.Equal("mc2", map.Servers[1].Name);
        Assert.Equal(2, map.Map.VBucketCount);
        Assert.Equal([0, 1], map.Map.Rows[0]);
    }

    [Fact]
    public void BucketConfigWrapper_Parsed()
    {
        var map = VBucketServerMap.Parse("{\"name\":\"default\",\"nodes\":[],\"vBucketServerMap\":" + Bare + "}");
        Assert.Equal(2, map.Servers.Count);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1]", "not a JSON object")]
    [InlineData("""{"hashAlgorithm":"MD5","serverList":["a:1"],"vBucketMap":[[0]]}""", "only CRC")]
    [InlineData("""{"serverList":["a:1"]}""", "vBucketMap")]
    [InlineData("""{"vBucketMap":[[0]]}""", "serverList")]
    [InlineData("""{"serverList":["a:1"],"vBucketMap":[[0],[0],[0]]}""", "power of two")]
    [InlineData("""{"serverList":["a:1"],"vBucketMap":[[1]]}""", "names server 1")]
    [InlineData("""{"serverList":["a:1","a:1"],"vBucketMap":[[0]]}""", "twice")]
    [InlineData("""{"serverList":["a:1"],"vBucketMap":[["x"]]}""", "not an integer")]
    [InlineData("""{"serverList":["a:1"],"numReplicas":-1,"vBucketMap":[[0]]}""", "numReplicas")]
    public void InvalidMaps_RefusedWithReason(string json, string reason)
        => Assert.Contains(reason, Assert.Throws<FormatException>(() => VBucketServerMap.Parse(json)).Message);
}
