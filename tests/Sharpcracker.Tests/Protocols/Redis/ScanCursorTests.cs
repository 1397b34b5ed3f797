using System.Text;
using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.Tests.Protocols.Redis;

public sealed class ScanCursorTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    [InlineData(5, 3)]
    [InlineData(6, 3)]
    [InlineData(1024, 10)]
    [InlineData(1025, 11)]
    public void IndexBitsAreCeilLog2AtLeastOne(int targets, int bits) => Assert.Equal(bits, ScanCursor.IndexBits(targets));

    [Theory]
    // redis-server's strtoul rules: an optional sign, digits; "" is 0; a leading space, junk or overflow is refused.
    [InlineData("0", true, 0UL)]
    [InlineData("", true, 0UL)]
    [InlineData("+17", true, 17UL)]
    [InlineData("-1", true, ulong.MaxValue)]
    [InlineData("-0", true, 0UL)]
    [InlineData("18446744073709551615", true, ulong.MaxValue)]
    [InlineData("18446744073709551616", false, 0UL)]
    [InlineData(" 1", false, 0UL)]
    [InlineData("1 ", false, 0UL)]
    [InlineData("abc", false, 0UL)]
    [InlineData("+", false, 0UL)]
    [InlineData("-", false, 0UL)]
    [InlineData("0x10", false, 0UL)]
    public void ParsesAsRedisServer(string text, bool ok, ulong value)
    {
        Assert.Equal(ok, ScanCursor.TryParse(Encoding.ASCII.GetBytes(text), out var cursor));
        if (ok)
        {
            Assert.Equal(value, cursor);
        }
    }

    [Fact]
    public void OneServer_CursorIsTheServersOwn()
    {
        Assert.True(ScanCursor.TryDecode(12345, 1, out var index, out var serverCursor));
        Assert.Equal((0, 12345UL), (index, serverCursor));
        Assert.True(ScanCursor.TryNext(0, 12345, 1, out var next));
        Assert.Equal(12345UL, next);
        Assert.True(ScanCursor.TryNext(0, 0, 1, out next));
        Assert.Equal(0UL, next);
    }

    [Fact]
    public void ThreeServers_IndexUnderTheSignBit()
    {
        // Two index bits (62 and 61): server 1's cursor 768 is 1 << 61 | 768, a positive long.
        Assert.True(ScanCursor.TryNext(1, 768, 3, out var next));
        Assert.Equal((1UL << 61) | 768, next);
        Assert.True(next <= long.MaxValue);
        Assert.True(ScanCursor.TryDecode(next, 3, out var index, out var serverCursor));
        Assert.Equal((1, 768UL), (index, serverCursor));
        // A server's 0 moves to the next server's start; the last server's 0 ends the scan.
        Assert.True(ScanCursor.TryNext(0, 0, 3, out next));
        Assert.Equal(1UL << 61, next);
        Assert.True(ScanCursor.TryDecode(next, 3, out index, out serverCursor));
        Assert.Equal((1, 0UL), (index, serverCursor));
        Assert.True(ScanCursor.TryNext(2, 0, 3, out next));
        Assert.Equal(0UL, next);
    }

    [Fact]
    public void BadCursors_Refused()
    {
        Assert.False(ScanCursor.TryDecode(3UL << 61, 3, out _, out _)); // index 3 of 3 servers
        Assert.False(ScanCursor.TryDecode(1UL << 63, 3, out _, out _)); // the sign bit
        Assert.False(ScanCursor.TryDecode(ulong.MaxValue, 1, out _, out _));
        Assert.False(ScanCursor.TryNext(0, 1UL << 61, 3, out _)); // a server cursor over the low bits
        Assert.True(ScanCursor.TryNext(0, (1UL << 61) - 1, 3, out _));
    }

    [Fact]
    public void RoundTrip_EveryIndexAndBoundary()
    {
        foreach (var targets in new[] { 1, 2, 3, 6, 7, 8, 100 })
        {
            var low = (1UL << (63 - ScanCursor.IndexBits(targets))) - 1;
            for (var i = 0; i < targets; i++)
            {
                foreach (var c in new[] { 1UL, 2UL, low })
                {
                    Assert.True(ScanCursor.TryNext(i, c, targets, out var cursor));
                    Assert.True(cursor is > 0 and <= long.MaxValue);
                    Assert.True(ScanCursor.TryDecode(cursor, targets, out var index, out var serverCursor));
                    Assert.Equal((i, c), (index, serverCursor));
                }
            }
        }
    }
}
