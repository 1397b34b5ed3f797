using System.Text;
using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.IntegrationTests.Redis;

/// <summary>request_size_limit as the parser's proto-max-bulk-len (no server).</summary>
public sealed class RespRequestLimitTests
{
    private static RespParseStatus Parse(string input, long maxBulk, out long needed, out string? error)
        => RespRequestParser.Parse(Encoding.Latin1.GetBytes(input), new RespArgs(), false, out _, out needed, out error, maxBulk);

    [Fact]
    public void BulkAtTheLimit_Parses_OneByteMore_IsInvalidBulkLength()
    {
        Assert.Equal(RespParseStatus.Command, Parse("*2\r\n$3\r\nget\r\n$10\r\n0123456789\r\n", 10, out _, out _));
        Assert.Equal(RespParseStatus.Error, Parse("*2\r\n$3\r\nget\r\n$11\r\n", 10, out _, out var error));
        Assert.Equal("Protocol error: invalid bulk length", error);
    }

    [Fact]
    public void IncompleteCommand_ReportsTheBytesItWillNeed_SoTheSessionCanRefuseItEarly()
    {
        // The session compares "needed" with request_size_limit before the payload arrives.
        Assert.Equal(RespParseStatus.NeedMore, Parse("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$10\r\n", 10, out var needed, out _));
        Assert.Equal("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$10\r\n".Length + 12, needed);
    }

    [Fact]
    public void LimitAboveRedisServersDefault_IsCappedAtIt()
    {
        Assert.Equal(RespParseStatus.Error, Parse($"*1\r\n${RespRequestParser.MaxBulk + 1}\r\n", long.MaxValue, out _, out var error));
        Assert.Equal("Protocol error: invalid bulk length", error);
    }
}
