using System.Text;
using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Tests.Routing;

public sealed class KeyRouterTests
{
    /// <summary>"w:name" specs (list position = ServerIndex) to members.</summary>
    private static List<ContinuumMember> Members(string[] specs, Func<int, int>? index = null)
    {
        var members = new List<ContinuumMember>();
        for (int i = 0; i < specs.Length; i++)
        {
            int colon = specs[i].IndexOf(':');
            members.Add(new ContinuumMember(index?.Invoke(i) ?? i, specs[i][(colon + 1)..], int.Parse(specs[i][..colon])));
        }
        return members;
    }

    private static KeyRouter Router(string config, DistributionKind distribution, HashKind hash = HashKind.Fnv1a_64) =>
        new(hash, HashTag.None, distribution, Members(TwemproxyDistributionVectors.Configs[config]));

    public static TheoryData<string> ContinuumConfigs() =>
        new(TwemproxyDistributionVectors.Continua.Select(c => c.Config));

    [Theory]
    [MemberData(nameof(ContinuumConfigs))]
    public void Ketama_Continuum_IsIdenticalToTwemproxy(string config)
    {
        var expected = TwemproxyDistributionVectors.Continua.Single(c => c.Config == config);
        KeyRouter router = Router(config, DistributionKind.Ketama);

        ReadOnlySpan<uint> points = router.KetamaPoints;
        ReadOnlySpan<int> servers = router.KetamaServers;
        Assert.Equal(expected.Total, points.Length);
        for (int s = 0; s < expected.PointsPerServer.Length; s++)
        {
            int count = 0;
            foreach (int server in servers)
            {
                count += server == s ? 1 : 0;
            }
            Assert.Equal(expected.PointsPerServer[s], count);
        }

        // Same FNV-1 64 digest over (value, index) pairs as the C driver computes over twemproxy's continuum:
        // proves every point value and owner, in order, including ties.
        ulong digest = 0xcbf29ce484222325UL;
        for (int i = 0; i < points.Length; i++)
        {
            digest ^= points[i];
            digest *= 0x100000001b3UL;
            digest ^= (uint)servers[i];
            digest *= 0x100000001b3UL;
        }
        Assert.Equal(expected.Digest, digest);
    }

    public static TheoryData<string, uint, int> KetamaDispatch()
    {
        var data = new TheoryData<string, uint, int>();
        foreach (var (config, hash, server) in TwemproxyDistributionVectors.KetamaDispatch)
        {
            data.Add(config, hash, server);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(KetamaDispatch))]
    public void Ketama_Dispatch_MatchesTwemproxy(string config, uint hash, int server)
    {
        Assert.Equal(server, Router(config, DistributionKind.Ketama).RouteHash(hash));
    }

    [Fact]
    public void Ketama_WrapsAround_AboveTheLastPoint()
    {
        KeyRouter router = Router("Unequal", DistributionKind.Ketama);
        uint last = router.KetamaPoints[^1];
        Assert.True(last < uint.MaxValue);
        Assert.Equal(router.KetamaServers[0], router.RouteHash(last + 1));
        Assert.Equal(router.KetamaServers[0], router.RouteHash(uint.MaxValue));
        Assert.Equal(router.KetamaServers[^1], router.RouteHash(last));
    }

    [Fact]
    public void Ketama_Ties_GoToTheEarlierServer()
    {
        // Two servers with the same name produce identical points; twemproxy's stable sort keeps server 0
        // first, and the lookup takes the first point >= hash, so server 1 is never chosen.
        KeyRouter router = Router("DuplicateNames", DistributionKind.Ketama);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(0, router.Route(Encoding.ASCII.GetBytes($"key:{i}")));
        }
        Assert.All(TwemproxyDistributionVectors.KetamaDispatch.Where(d => d.Config == "DuplicateNames"), d => Assert.Equal(0, d.Server));
    }

    [Fact]
    public void Ketama_TinyWeight_CanGetZeroPoints()
    {
        KeyRouter router = Router("TinyAndHuge", DistributionKind.Ketama);
        Assert.DoesNotContain(0, router.KetamaServers.ToArray());
        Assert.Equal(2, router.LiveCount);
    }

    public static TheoryData<int[], int[]> PointsPerServer()
    {
        var data = new TheoryData<int[], int[]>();
        foreach (var (weights, points) in TwemproxyDistributionVectors.PointsPerServer)
        {
            data.Add(weights, points);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PointsPerServer))]
    public void Ketama_PointsPerServer_UsesTwemproxyFloatArithmetic(int[] weights, int[] points)
    {
        long total = weights.Sum(w => (long)w);
        Assert.Equal(points, weights.Select(w => KetamaContinuum.PointsFor(w, total, weights.Length)));
    }

    [Fact]
    public void Ketama_PointName_IsNameDashIndex_CutAt272Bytes()
    {
        Span<byte> buffer = stackalloc byte[300];
        int n = KetamaContinuum.FormatPointName("10.0.0.1:11212"u8, 39, buffer);
        Assert.Equal("10.0.0.1:11212-39", Encoding.ASCII.GetString(buffer[..n]));

        byte[] longName = Encoding.ASCII.GetBytes(new string('L', 270));
        n = KetamaContinuum.FormatPointName(longName, 123, buffer);
        Assert.Equal(new string('L', 270) + "-1", Encoding.ASCII.GetString(buffer[..n]));
    }

    public static TheoryData<string, uint, int> ModulaDispatch()
    {
        var data = new TheoryData<string, uint, int>();
        foreach (var (config, hash, server) in TwemproxyDistributionVectors.ModulaDispatch)
        {
            data.Add(config, hash, server);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ModulaDispatch))]
    public void Modula_Dispatch_MatchesTwemproxy(string config, uint hash, int server)
    {
        Assert.Equal(server, Router(config, DistributionKind.Modula).RouteHash(hash));
    }

    [Fact]
    public void Modula_WeightedSlots_InMemberOrder()
    {
        // weights 1, 2, 3 -> slots [0, 1, 1, 2, 2, 2]
        var router = new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Modula,
            [new(0, "a", 1), new(1, "b", 2), new(2, "c", 3)]);
        int[] expected = [0, 1, 1, 2, 2, 2];
        for (uint h = 0; h < 60; h++)
        {
            Assert.Equal(expected[h % 6], router.RouteHash(h));
        }
    }

    public static TheoryData<string, string, string> Routes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (hash, distribution, servers) in TwemproxyDistributionVectors.Routes)
        {
            data.Add(hash, distribution, servers);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public void Route_EndToEnd_MatchesTwemproxy(string hashName, string distributionName, string servers)
    {
        Assert.True(KeyHasher.TryParse(hashName, out HashKind hash));
        Assert.True(DistributionKinds.TryParse(distributionName, out DistributionKind distribution));
        var router = new KeyRouter(hash, HashTag.None, distribution, Members(TwemproxyDistributionVectors.Configs["Unequal"]));

        string[] keys = TwemproxyDistributionVectors.RouteKeys;
        Assert.Equal(keys.Length, servers.Length);
        for (int i = 0; i < keys.Length; i++)
        {
            byte[] key = keys[i] == "-" ? [] : Convert.FromHexString(keys[i]);
            Assert.Equal(servers[i] - '0', router.Route(key));
        }
    }

    [Fact]
    public void Route_EmptyKey_HashesToZero()
    {
        // twemproxy's server_pool_hash returns 0 for an empty key without calling the hash function.
        foreach (HashKind hash in Enum.GetValues<HashKind>())
        {
            var router = new KeyRouter(hash, HashTag.None, DistributionKind.Ketama, Members(TwemproxyDistributionVectors.Configs["Unequal"]));
            Assert.Equal(0u, router.HashKey([]));
            Assert.Equal(router.RouteHash(0), router.Route([]));
        }
    }

    [Fact]
    public void Route_UsesServerIndices_NotMemberPositions()
    {
        // Live members 1, 4, 7 of a larger pool (others ejected): results are their ServerIndex values, and
        // placement equals that of a pool of just these three (the continuum depends only on live members).
        string[] specs = TwemproxyDistributionVectors.Configs["ThreeEqual"];
        int[] indices = [1, 4, 7];
        var sparse = new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Ketama, Members(specs, i => indices[i]));
        var dense = new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Ketama, Members(specs));
        for (int i = 0; i < 500; i++)
        {
            byte[] key = Encoding.ASCII.GetBytes($"k{i}");
            Assert.Equal(indices[dense.Route(key)], sparse.Route(key));
        }
    }

    [Fact]
    public void Route_AppliesHashTag()
    {
        var router = new KeyRouter(HashKind.Fnv1a_64, new HashTag((byte)'{', (byte)'}'), DistributionKind.Ketama,
            Members(TwemproxyDistributionVectors.Configs["TenHosts"]));
        var plain = new KeyRouter(HashKind.Fnv1a_64, HashTag.None, DistributionKind.Ketama,
            Members(TwemproxyDistributionVectors.Configs["TenHosts"]));
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(plain.Route(Encoding.ASCII.GetBytes($"user{i}")), router.Route(Encoding.ASCII.GetBytes($"a:{{user{i}}}:b")));
            Assert.Equal(plain.Route(Encoding.ASCII.GetBytes($"x{{}}{i}")), router.Route(Encoding.ASCII.GetBytes($"x{{}}{i}")));
        }
    }

    [Theory]
    [InlineData(DistributionKind.Ketama)]
    [InlineData(DistributionKind.Modula)]
    [InlineData(DistributionKind.Random)]
    public void Route_NoLiveMember_ReturnsMinusOne_SingleMember_ReturnsIt(object kind)
    {
        var distribution = (DistributionKind)kind; // the enum is internal: a public theory takes it as object
        var none = new KeyRouter(HashKind.Md5, HashTag.None, distribution, []);
        Assert.Equal(0, none.LiveCount);
        Assert.Equal(-1, none.Route("foo"u8));

        var one = new KeyRouter(HashKind.Md5, HashTag.None, distribution, [new(5, "only", 3)]);
        Assert.Equal(1, one.LiveCount);
        Assert.Equal(5, one.Route("foo"u8));
        Assert.Equal(5, one.Route([]));
    }

    [Fact]
    public void Random_PicksEveryLiveMember_IgnoringTheKey()
    {
        var router = new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Random,
            [new(0, "a", 1), new(2, "b", 100), new(3, "c", 1)]);
        var seen = new int[4];
        for (int i = 0; i < 3000; i++)
        {
            seen[router.Route("same-key"u8)]++;
        }
        Assert.Equal(0, seen[1]);
        // One slot per member (weight ignored): each gets roughly a third.
        Assert.All(new[] { seen[0], seen[2], seen[3] }, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void Route_DoesNotAllocate_AndIsThreadSafe()
    {
        var router = new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Ketama, Members(TwemproxyDistributionVectors.Configs["TenHosts"]));
        byte[][] keys = Enumerable.Range(0, 1000).Select(i => Encoding.ASCII.GetBytes($"key:{i}")).ToArray();
        int[] expected = keys.Select(k => router.Route(k)).ToArray();

        int[] actual = new int[keys.Length];
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < keys.Length; i++)
        {
            actual[i] = router.Route(keys[i]);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(expected, actual);

        Parallel.For(0, 8, _ =>
        {
            for (int round = 0; round < 20; round++)
            {
                for (int i = 0; i < keys.Length; i++)
                {
                    if (router.Route(keys[i]) != expected[i])
                    {
                        throw new InvalidOperationException("inconsistent routing under concurrency");
                    }
                }
            }
        });
    }

    [Fact]
    public void Constructor_ValidatesMembers()
    {
        Assert.Throws<ArgumentException>(() => new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Ketama,
            [new(1, "a", 1), new(0, "b", 1)]));
        Assert.Throws<ArgumentException>(() => new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Ketama,
            [new(0, "a", 1), new(0, "b", 1)]));
        Assert.Throws<ArgumentException>(() => new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Modula,
            [new(0, "a", 0), new(1, "b", 1)]));
        Assert.Throws<ArgumentException>(() => new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Ketama,
            [new(0, null!, 1), new(1, "b", 1)]));
        Assert.Throws<ArgumentException>(() => new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Modula,
            [new(0, "a", int.MaxValue), new(1, "b", 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeyRouter((HashKind)42, HashTag.None, DistributionKind.Modula, []));
    }

    [Fact]
    public void Properties_ReflectConstructorArguments()
    {
        var tag = new HashTag((byte)'{', (byte)'}');
        var router = new KeyRouter(HashKind.Murmur, tag, DistributionKind.Modula, [new(0, "a", 1), new(1, "b", 1)]);
        Assert.Equal(HashKind.Murmur, router.Hash);
        Assert.Equal(tag, router.Tag);
        Assert.Equal(DistributionKind.Modula, router.Distribution);
        Assert.Equal(2, router.LiveCount);
    }

    [Fact]
    public void DistributionKinds_ParseAndName()
    {
        foreach (string name in new[] { "ketama", "modula", "random" })
        {
            Assert.True(DistributionKinds.TryParse(name, out DistributionKind kind));
            Assert.Equal(name, DistributionKinds.Name(kind));
        }
        Assert.False(DistributionKinds.TryParse("Ketama", out _));
        Assert.False(DistributionKinds.TryParse("vnode", out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => DistributionKinds.Name((DistributionKind)7));
    }
}
