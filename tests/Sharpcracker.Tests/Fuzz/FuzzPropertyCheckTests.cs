using Sharpcracker.Fuzz;

namespace Sharpcracker.Tests.Fuzz;

/// <summary>The property checks can fail: each is shown rejecting a broken reader or a wrong reply.</summary>
public sealed class FuzzPropertyCheckTests
{
    [Fact]
    public void PrefixCheck_RejectsAFramerThatCallsAPrefixComplete()
    {
        var data = "+OK\r\n"u8.ToArray();
        // Complete at any length of 3 or more: a framer that does not wait for the line end.
        static int Eager(ReadOnlySpan<byte> d) => d.Length >= 3 ? d.Length : 0;
        Assert.Throws<FuzzPropertyException>(() => Property.PrefixesAgree(data, Eager(data), Eager));
    }

    [Fact]
    public void PrefixCheck_RejectsAFramerThatCallsAPrefixMalformed()
    {
        var data = "$3\r\nabc\r\n"u8.ToArray();
        // Malformed while the bulk payload is still arriving, complete once it is there.
        static int Impatient(ReadOnlySpan<byte> d) => d.Length == 9 ? 9 : d.Length > 4 ? -1 : 0;
        Assert.Throws<FuzzPropertyException>(() => Property.PrefixesAgree(data, 9, Impatient));
    }

    [Fact]
    public void PrefixCheck_AcceptsTheRealFramer()
    {
        var data = "*2\r\n$1\r\na\r\n:1\r\n"u8.ToArray();
        static int Frame(ReadOnlySpan<byte> d)
        {
            var scan = 0;
            long remaining = 0;
            return Sharpcracker.Protocols.Redis.RespReplyFramer.Frame(d, ref scan, ref remaining);
        }
        Property.PrefixesAgree(data, data.Length, Frame);
    }

    [Theory]
    [InlineData("Protocol error: invalid bulk length", true)]
    [InlineData("Protocol error: expected '$', got 'x'", true)]
    [InlineData("Protocol error: expected '$', got '\r'", true)] // the writer makes it a space, as redis-server does
    [InlineData("Protocol error: expected '$', got '\u00e9'", true)] // one byte on the wire
    [InlineData("Protocol error: expected '$', got 'ab'", false)]
    [InlineData("Protocol error: invalid bulk length ", false)]
    [InlineData("Protocol error: something else", false)]
    public void RedisErrorRule_AcceptsOnlyRedisServersLines(string error, bool expected)
        => Assert.Equal(expected, RespRequestTarget.IsRedisError(error));

    [Theory]
    [InlineData("CLIENT_ERROR bad command line format\r\n", true)]
    [InlineData("CLIENT_ERROR bad data chunk\r\n", false)] // memcached's text for a data block, never for a line
    [InlineData("ERROR\n", false)]
    public void MemcachedReplyRule_AcceptsOnlyMemcachedsLines(string reply, bool expected)
        => Assert.Equal(expected, McTextChecks.IsMemcachedReply(reply));

    [Fact]
    public void TextChecks_RunOnARealStream()
        => McTextChecks.Check("set k 0 0 1\r\nx\r\nget k\r\nmg k v\r\n"u8.ToArray());
}
