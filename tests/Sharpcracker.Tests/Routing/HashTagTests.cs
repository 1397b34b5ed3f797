using System.Text;
using Sharpcracker.Routing;

namespace Sharpcracker.Tests.Routing;

public sealed class HashTagTests
{
    private static string Apply(HashTag tag, string key) =>
        Encoding.ASCII.GetString(tag.Apply(Encoding.ASCII.GetBytes(key)));

    [Theory]
    [InlineData("user:{1000}:profile", "1000")]
    [InlineData("{a}", "a")]
    [InlineData("{1000}", "1000")]
    [InlineData("x{ab}{cd}", "ab")]            // first open, first close after it
    [InlineData("x{a{b}c}", "a{b")]            // the inner open is just a byte
    [InlineData("{}abc", "{}abc")]             // empty inner part -> whole key
    [InlineData("abc{}", "abc{}")]
    [InlineData("abc{", "abc{")]               // no close -> whole key
    [InlineData("abc{def", "abc{def")]
    [InlineData("a}b{c", "a}b{c")]             // close before open does not count
    [InlineData("a}b{c}", "c")]
    [InlineData("{}{x}", "{}{x}")]             // only the first open is considered
    [InlineData("abc", "abc")]
    [InlineData("", "")]
    public void CurlyBraces(string key, string hashed)
    {
        Assert.Equal(hashed, Apply(new HashTag((byte)'{', (byte)'}'), key));
    }

    [Theory]
    [InlineData("a:b:c", "b")]
    [InlineData("a::b", "a::b")]
    [InlineData(":x", ":x")]
    [InlineData("::x:", "::x:")]               // empty between the first two colons
    [InlineData("a:bc", "a:bc")]
    public void SameOpenAndClose(string key, string hashed)
    {
        Assert.Equal(hashed, Apply(new HashTag((byte)':', (byte)':'), key));
    }

    [Fact]
    public void None_ReturnsKeyUnchanged_AndIsDefault()
    {
        Assert.False(HashTag.None.IsSet);
        Assert.False(default(HashTag).IsSet);
        Assert.Equal("user:{1}", Apply(HashTag.None, "user:{1}"));
        // A tag made of NUL bytes is still a set tag: IsSet, not the byte values, decides.
        Assert.True(new HashTag(0, 0).IsSet);
    }

    [Fact]
    public void Apply_ReturnsSliceOfInput()
    {
        byte[] key = Encoding.ASCII.GetBytes("k{tag}");
        ReadOnlySpan<byte> inner = new HashTag((byte)'{', (byte)'}').Apply(key);
        Assert.True(inner.Overlaps(key));
        Assert.Equal(3, inner.Length);
    }
}
