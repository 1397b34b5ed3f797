using System.Text;
using Sharpcracker.Configuration;
using Sharpcracker.Routing;

namespace Sharpcracker.Tests.Configuration;

public sealed class VBucketYamlTests
{
    [Fact]
    public void VBucketMapKey_KeepsFileOrder()
    {
        var config = ConfigLoader.Parse("""
            vb:
              listen: 127.0.0.1:22121
              distribution: vbucket
              vbucket_map: [[1], [0], [1, 0], [0, -1]]
              servers:
                - 127.0.0.1:11212:1 zz
                - 127.0.0.1:11211:1 a
            """, "t.yml");
        var pool = Assert.Single(config.Pools);
        Assert.Equal(DistributionKind.VBucket, pool.Distribution);
        Assert.Equal(["zz", "a"], pool.Servers.Select(s => s.Name)); // not name-sorted: the map indexes file order
        Assert.Equal(4, pool.VBuckets!.VBucketCount);
    }

    [Fact]
    public void VBucketMapFile_RelativeToTheConfig()
    {
        var dir = Directory.CreateTempSubdirectory("sc-vbyaml");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "map.json"), """{"serverList":["127.0.0.1:11211"],"vBucketMap":[[0],[0]]}""");
            var yml = Path.Combine(dir.FullName, "n.yml");
            File.WriteAllText(yml, "vb:\n  listen: 127.0.0.1:1\n  distribution: vbucket\n  vbucket_map_file: map.json\n  servers:\n    - 127.0.0.1:11211:1\n");
            Assert.Equal(2, ConfigLoader.LoadFile(yml).Pools[0].VBuckets!.VBucketCount);
            File.WriteAllText(yml, "vb:\n  listen: 127.0.0.1:1\n  distribution: vbucket\n  vbucket_map_file: map.json\n  servers:\n    - 127.0.0.1:11299:1\n");
            Assert.Contains("differs from the pool's servers", Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(yml)).Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("distribution: vbucket\n", "needs \"vbucket_map:\"")]
    [InlineData("distribution: ketama\n  vbucket_map: [[0]]\n", "only valid with distribution: vbucket")]
    [InlineData("distribution: vbucket\n  vbucket_map: [[0], [1], [0]]\n", "power of two")]
    [InlineData("distribution: vbucket\n  vbucket_map: [[0], [x]]\n", "not a list of server indices")]
    [InlineData("distribution: vbucket\n  vbucket_map: [[0], [0]]\n  vbucket_map_file: m.json\n", "cannot be combined")]
    public void VBucketKeys_Errors(string keys, string reason)
    {
        var yaml = $"vb:\n  listen: 127.0.0.1:1\n  {keys}  servers:\n    - 127.0.0.1:11211:1\n";
        Assert.Contains(reason, Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "t.yml")).Message);
    }
}
