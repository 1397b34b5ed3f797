using System.Text;
using Sharpcracker.ControlPlane;

namespace Sharpcracker.Tests.ControlPlane;

/// <summary>The control client's reply reading (ROLE, CLUSTER SLOTS, Sentinel): every RESP2 type, and malformed replies refused, not crashing.</summary>
public sealed class RespClientTests
{
    [Fact]
    public void EveryType_AsTheTree()
    {
        var reply = RespValue.Parse("*6\r\n+OK\r\n-ERR no\r\n:-42\r\n$6\r\nh\u00e9llo\r\n$-1\r\n*2\r\n*0\r\n*-1\r\n"u8);
        var items = Assert.IsType<object?[]>(reply);
        Assert.Equal("OK", items[0]);
        Assert.Equal(new RespErrorReply("ERR no"), items[1]);
        Assert.Equal(-42L, items[2]);
        Assert.Equal("héllo", items[3]); // UTF-8: 6 bytes
        Assert.Null(items[4]);
        var nested = Assert.IsType<object?[]>(items[5]);
        Assert.Empty(Assert.IsType<object?[]>(nested[0]));
        Assert.Null(nested[1]);
    }

    [Theory]
    [InlineData(":12a\r\n")]
    [InlineData(":99999999999999999999\r\n")]
    [InlineData("$-2\r\n")]
    [InlineData("*99999999999\r\n")]
    [InlineData("*2000000\r\n")]
    public void MalformedNumbers_AreFormatErrors(string reply)
        => Assert.Throws<FormatException>(() => RespValue.Parse(Encoding.ASCII.GetBytes(reply)));

    [Theory]
    [InlineData("$5\r\nab")]
    [InlineData("*2\r\n:1\r\n")]
    [InlineData("?what\r\n")]
    public void TruncatedOrUnknown_AreIoErrors(string reply)
        => Assert.Throws<IOException>(() => RespValue.Parse(Encoding.ASCII.GetBytes(reply)));
}
