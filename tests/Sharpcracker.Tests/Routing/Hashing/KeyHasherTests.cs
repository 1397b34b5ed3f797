using System.Security.Cryptography;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Tests.Routing.Hashing;

public sealed class KeyHasherTests
{
    private static readonly string[] ConfigNames =
    [
        "one_at_a_time", "md5", "crc16", "crc32", "crc32a", "fnv1_64",
        "fnv1a_64", "fnv1_32", "fnv1a_32", "hsieh", "murmur", "jenkins",
    ];

    /// <summary>(hex key, hash name, expected) for every line and hash of the C reference vectors.</summary>
    public static TheoryData<string, string, uint> ReferenceVectors()
    {
        var data = new TheoryData<string, string, uint>();
        foreach (string line in TwemproxyHashVectors.Lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = line.Split(' ');
            foreach (string pair in parts.Skip(1))
            {
                string[] nv = pair.Split('=');
                data.Add(parts[0], nv[0], Convert.ToUInt32(nv[1], 16));
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ReferenceVectors))]
    public void Hash_MatchesCompiledTwemproxyHashkit(string hexKey, string hashName, uint expected)
    {
        Assert.True(KeyHasher.TryParse(hashName, out HashKind kind));
        byte[] key = hexKey == "-" ? [] : Convert.FromHexString(hexKey);

        Assert.Equal(expected, KeyHasher.Hash(kind, key));
    }

    [Fact]
    public void ReferenceVectors_CoverTheRequiredShapes()
    {
        var keys = ReferenceVectors().Select(row => (string)row[0]).Distinct().ToList();
        var lengths = keys.Select(hex => hex == "-" ? 0 : hex.Length / 2).ToHashSet();
        foreach (int required in new[] { 0, 1, 2, 3, 4, 5, 12, 13, 24, 25, 250 })
        {
            Assert.Contains(required, lengths);
        }
        Assert.Contains(keys, hex => hex != "-" && Convert.FromHexString(hex).Any(b => b >= 0x80));
        Assert.Equal(12 * keys.Count, ReferenceVectors().Count()); // every hash for every key
    }

    [Theory]
    [InlineData("one_at_a_time", 0x238678ddu)]
    [InlineData("md5", 0xdb18bdacu)]
    [InlineData("crc16", 0x0c3caf96u)]
    [InlineData("crc32", 0x0c73u)]
    [InlineData("crc32a", 0x8c736521u)]
    [InlineData("fnv1_64", 0x6ba13533u)]
    [InlineData("fnv1a_64", 0xfed9d577u)]
    [InlineData("fnv1_32", 0x408f5e13u)]
    [InlineData("fnv1a_32", 0xa9f37ed7u)]
    [InlineData("hsieh", 0x76d4d427u)]
    [InlineData("murmur", 0xc4e0338fu)]
    [InlineData("jenkins", 0x99f84f99u)]
    public void Hash_Foo_MatchesReferenceDocument(string hashName, uint expected)
    {
        Assert.True(KeyHasher.TryParse(hashName, out HashKind kind));
        Assert.Equal(expected, KeyHasher.Hash(kind, "foo"u8));
    }

    [Fact]
    public void TryParse_And_Name_AreInverse_ForAllTwelveNames()
    {
        Assert.Equal(12, Enum.GetValues<HashKind>().Length);
        foreach (string name in ConfigNames)
        {
            Assert.True(KeyHasher.TryParse(name, out HashKind kind));
            Assert.Equal(name, KeyHasher.Name(kind));
        }
        Assert.Equal(
            Enum.GetValues<HashKind>().OrderBy(k => k),
            ConfigNames.Select(n => { KeyHasher.TryParse(n, out HashKind k); return k; }).OrderBy(k => k));
    }

    [Theory]
    [InlineData("")]
    [InlineData("FNV1A_64")]
    [InlineData("fnv1a64")]
    [InlineData(" md5")]
    [InlineData("ketama")]
    public void TryParse_RejectsUnknownNames(string name)
    {
        Assert.False(KeyHasher.TryParse(name, out _));
    }

    [Fact]
    public void Name_RejectsUndefinedKind()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyHasher.Name((HashKind)99));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyHasher.Hash((HashKind)99, "a"u8));
    }

    [Fact]
    public void Hash_SignExtendsHighBytes_WhereTwemproxyDoes()
    {
        // one_at_a_time of 0x80 differs from the unsigned textbook version because twemproxy adds 0xffffff80.
        byte[] key = [0x80];
        Assert.NotEqual(TextbookOneAtATime(key), KeyHasher.Hash(HashKind.OneAtATime, key));
        // ... but for ASCII both agree.
        Assert.Equal(TextbookOneAtATime("foo"u8), KeyHasher.Hash(HashKind.OneAtATime, "foo"u8));
    }

    [Fact]
    public void Hash_DoesNotAllocate()
    {
        byte[] key = new byte[100];
        Random.Shared.NextBytes(key);
        HashKind[] kinds = Enum.GetValues<HashKind>();
        uint sink = 0;
        foreach (HashKind kind in kinds)
        {
            sink ^= KeyHasher.Hash(kind, key); // warm up (static tables, JIT)
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            foreach (HashKind kind in kinds)
            {
                sink ^= KeyHasher.Hash(kind, key);
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 100, $"allocated {allocated} bytes (sink {sink})");
    }

    [Fact]
    public void ManagedMd5_MatchesBcl_ForAllPaddingBoundaries()
    {
        var random = new Random(1234);
        Span<byte> ours = stackalloc byte[16];
        for (int length = 0; length <= 300; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Md5.Hash(data, ours);
            Assert.Equal(MD5.HashData(data), ours.ToArray());
        }
    }

    private static uint TextbookOneAtATime(ReadOnlySpan<byte> key)
    {
        uint h = 0;
        foreach (byte b in key)
        {
            h += b;
            h += h << 10;
            h ^= h >> 6;
        }
        h += h << 3;
        h ^= h >> 11;
        h += h << 15;
        return h;
    }

    /// <summary>The sliced 16-bit CRC (Redis Cluster slots) equals the low 16 bits of twemproxy's table walk for every length.</summary>
    [Fact]
    public void Crc16Xmodem_Sliced_EqualsTheTableWalk()
    {
        Assert.Equal(0x31C3, HashFunctions.Crc16Xmodem("123456789"u8)); // the CRC-16/XMODEM check value
        var random = new Random(1234);
        for (var length = 0; length <= 70; length++)
        {
            for (var round = 0; round < 20; round++)
            {
                var key = new byte[length];
                random.NextBytes(key);
                Assert.Equal((ushort)HashFunctions.Crc16(key), HashFunctions.Crc16Xmodem(key));
            }
        }
    }
}
