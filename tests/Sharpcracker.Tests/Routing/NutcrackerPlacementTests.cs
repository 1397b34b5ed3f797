using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Tests.Routing;

/// <summary>KeyRouter against placements recorded from the real nutcracker 0.5.0 binary.</summary>
public sealed class NutcrackerPlacementTests
{
    public static TheoryData<string, string, string> Observed()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (hash, distribution, servers) in NutcrackerObservedVectors.Observed)
        {
            data.Add(hash, distribution, servers);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Observed))]
    public void Route_MatchesNutcracker(string hashName, string distributionName, string servers)
    {
        Assert.True(KeyHasher.TryParse(hashName, out HashKind hash));
        Assert.True(DistributionKinds.TryParse(distributionName, out DistributionKind distribution));
        var members = NutcrackerObservedVectors.Members.Select(m => new ContinuumMember(m.Index, m.Name, m.Weight)).ToList();
        var router = new KeyRouter(hash, new HashTag((byte)'{', (byte)'}'), distribution, members);

        string[] keys = NutcrackerObservedVectors.Keys;
        Assert.Equal(keys.Length, servers.Length);
        var mismatches = new List<string>();
        for (int i = 0; i < keys.Length; i++)
        {
            int actual = router.Route(Convert.FromHexString(keys[i]));
            if (actual != servers[i] - '0')
            {
                mismatches.Add($"{keys[i]}: expected {servers[i]}, got {actual}");
            }
        }
        Assert.Empty(mismatches);
    }

    [Fact]
    public void HashTaggedKeys_LandWithTheirTag()
    {
        // Within the recorded data: "user:{1000}:a", "user:{1000}:b" and "1000" share a server for every hash.
        string[] keys = NutcrackerObservedVectors.Keys;
        int a = Array.IndexOf(keys, Convert.ToHexStringLower("user:{1000}:a"u8));
        int b = Array.IndexOf(keys, Convert.ToHexStringLower("user:{1000}:b"u8));
        int plain = Array.IndexOf(keys, Convert.ToHexStringLower("1000"u8));
        Assert.True(a >= 0 && b >= 0 && plain >= 0);
        foreach (var (_, _, servers) in NutcrackerObservedVectors.Observed)
        {
            Assert.Equal(servers[plain], servers[a]);
            Assert.Equal(servers[plain], servers[b]);
        }
    }
}
