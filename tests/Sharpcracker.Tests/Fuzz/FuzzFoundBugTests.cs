using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.Tests.Fuzz;

/// <summary>
/// One named test per bug the fuzz targets found (docs/reliability.md, "Fuzzing"); the inputs
/// are also kept in tests/fuzz-corpus as found-*.
/// </summary>
public sealed class FuzzFoundBugTests
{
    /// <summary>resp-reply: a backend line that is only CRLF made the framer slice rest[1..0] and throw.</summary>
    [Theory]
    [InlineData("\r\n")]
    [InlineData("*3\r\n*1\r\n\r\n")]
    public void RespReplyFramer_BareCrlfLine_IsMalformedNotAnException(string reply)
    {
        var data = System.Text.Encoding.Latin1.GetBytes(reply);
        var scan = 0;
        long remaining = 0;
        Assert.Equal(-1, RespReplyFramer.Frame(data, ref scan, ref remaining));
        Assert.Equal(-1, RespReplyFramer.ElementLength(data));
    }

    /// <summary>
    /// resp-request: "*1\r\n\xe9\r\n" got "-ERR Protocol error: expected '$', got 'Ã©'": the
    /// offending byte went out UTF-8 encoded, two bytes; redis-server sends the byte itself.
    /// </summary>
    [Fact]
    public void RespProtocolError_OffendingByteGoesOutAsOneByte()
    {
        var args = new RespArgs();
        byte[] input = [.. "*1\r\n"u8, 0xe9, .. "\r\n"u8];
        Assert.Equal(RespParseStatus.Error, RespRequestParser.Parse(input, args, false, out _, out _, out var error));
        var output = new ByteBuffer();
        RedisReplies.WriteProtocolError(output, error!);
        Assert.Equal([.. "-ERR Protocol error: expected '$', got '"u8, 0xe9, .. "'\r\n"u8], output.Span.ToArray());
    }

    /// <summary>
    /// config-yaml: YamlDotNet throws InvalidOperationException or ArgumentException, not
    /// YamlException, for some malformed text; the loader let them escape instead of refusing
    /// the file with a ConfigException.
    /// </summary>
    [Theory]
    [InlineData(" : 0")]
    [InlineData("demo:\n  listen: 1:22121\n  [erver_retry_timeout: 2000\n  servers:\n    - 12: ketama\n  t")]
    public void ConfigLoader_YamlLibraryFailure_IsAConfigExceptionNamingTheFile(string yaml)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "/etc/fuzz.yml"));
        Assert.StartsWith("conf: '/etc/fuzz.yml' is not valid YAML", e.Message);
    }
}
