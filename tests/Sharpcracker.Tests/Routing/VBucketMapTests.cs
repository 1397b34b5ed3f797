using System.Text;
using Sharpcracker.Routing;

namespace Sharpcracker.Tests.Routing;

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
