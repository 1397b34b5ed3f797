using System.Text;
using Sharpcracker.Configuration;
using Sharpcracker.Distribution;
using Sharpcracker.Hosting;
using Sharpcracker.Moxi;

namespace Sharpcracker.Tests.ControlPlane;

public sealed class VBucketMapTests
{
    [Fact]
    public void CrcHash_IsLibhashkitCrc32_MaskedToTheBuckets()
    {
        // CRC-32("123456789") = 0xCBF43926; libhashkit's crc32 keeps bits 16..30: 0x4BF4.
        var rows = Enumerable.Range(0, 32768).Select(i => (IReadOnlyList<int>)[i % 2]).ToList();
        var map = new VBucketMap(rows, 2);
        Assert.Equal(0x4BF4, map.VBucketOf("123456789"u8));
        Assert.Equal(0x4BF4 & 1023, new VBucketMap(rows.Take(1024).ToList(), 2).VBucketOf("123456789"u8));
        Assert.Equal(0x4BF4 % 2, map.Route("123456789"u8));
    }

    [Fact]
    public void MasterIsTheFirstEntry_MinusOneIsNoServer()
    {
        var map = new VBucketMap([[1, 0], [-1, 0]], 2);
        var key = Enumerable.Range(0, 100).Select(i => Encoding.ASCII.GetBytes("k" + i)).First(k => map.VBucketOf(k) == 0);
        Assert.Equal(1, map.Route(key));
        var other = Enumerable.Range(0, 100).Select(i => Encoding.ASCII.GetBytes("k" + i)).First(k => map.VBucketOf(k) == 1);
        Assert.Equal(-1, map.Route(other));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    public void RowCountMustBeAPowerOfTwo(int rows)
        => Assert.Throws<ArgumentException>(() => new VBucketMap(Enumerable.Repeat((IReadOnlyList<int>)[0], rows).ToList(), 1));

    [Fact]
    public void IndexOutOfRangeOrEmptyRow_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new VBucketMap([[2], [0]], 2));
        Assert.Throws<ArgumentException>(() => new VBucketMap([[-2], [0]], 2));
        Assert.Throws<ArgumentException>(() => new VBucketMap([[], [0]], 2));
    }
}

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

public sealed class JsonDocumentSplitterTests
{
    [Fact]
    public void DocumentsSplitAnywhere_SeparatedByAnyWhitespace()
    {
        var text = "{\"a\":\"x}\\\"{\"}\n\n\n\n {\"b\":[1,{\"c\":2}]}\r\n\t[3]";
        var whole = new JsonDocumentSplitter().Feed(Encoding.UTF8.GetBytes(text));
        Assert.Equal(["{\"a\":\"x}\\\"{\"}", "{\"b\":[1,{\"c\":2}]}", "[3]"], whole.Select(d => Encoding.UTF8.GetString(d)));
        // Byte by byte gives the same documents.
        var splitter = new JsonDocumentSplitter();
        var pieces = Encoding.UTF8.GetBytes(text).SelectMany(b => splitter.Feed([b])).Select(d => Encoding.UTF8.GetString(d));
        Assert.Equal(whole.Select(d => Encoding.UTF8.GetString(d)), pieces);
    }

    [Fact]
    public void GarbageBetweenDocuments_AndOversizedDocuments_Throw()
    {
        Assert.Throws<FormatException>(() => new JsonDocumentSplitter().Feed("{} x"u8));
        Assert.Throws<FormatException>(() => new JsonDocumentSplitter(10).Feed("{\"aaaaaaaaaaaa\":1}"u8));
    }
}

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
