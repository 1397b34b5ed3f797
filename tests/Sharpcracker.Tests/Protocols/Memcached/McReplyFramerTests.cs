using Sharpcracker.Protocols.Memcached;
using static Sharpcracker.Tests.Protocols.Memcached.TestBytes;

namespace Sharpcracker.Tests.Protocols.Memcached;

public sealed class McReplyFramerTests
{
    [Theory]
    [InlineData("STORED\r\n", 8)]
    [InlineData("STORED\r\nNOT_STORED\r\n", 8)]
    [InlineData("OK\n", 3)]
    [InlineData("12345\r\nEND\r\n", 7)]
    [InlineData("ERROR\r\n", 7)]
    [InlineData("CLIENT_ERROR bad data chunk\r\n", 29)]
    [InlineData("SERVER_ERROR out of memory storing object\r\n", 43)]
    [InlineData("VERSION 1.6.18\r\n", 16)]
    [InlineData("ENDING\r\n", 8)]
    [InlineData("VALUES\r\n", 8)]
    [InlineData("STORED\r", 0)]
    [InlineData("STORED", 0)]
    [InlineData("", 0)]
    [InlineData("END\r\n", -1)]
    [InlineData("VALUE k 0 1\r\nx\r\nEND\r\n", -1)]
    [InlineData("VALUE k 0 1\r", 0)]
    public void FrameLine(string data, int expected)
    {
        Assert.Equal(expected, McReplyFramer.FrameLine(Bytes(data)));
    }

    [Theory]
    [InlineData("END\r\n", 5)]
    [InlineData("END\r\nSTORED\r\n", 5)]
    [InlineData("VALUE a 0 1\r\nx\r\nEND\r\n", 21)]
    [InlineData("VALUE a 0 1 77\r\nx\r\nEND\r\n", 24)]
    [InlineData("VALUE a 0 0\r\n\r\nEND\r\n", 20)]
    // Data that looks like END or another VALUE is just data.
    [InlineData("VALUE a 0 5\r\nEND\r\n\r\nEND\r\n", 25)]
    [InlineData("VALUE a 0 13\r\nVALUE b 0 1\r\n\r\nEND\r\n", 34)]
    [InlineData("ERROR\r\n", 7)]
    [InlineData("CLIENT_ERROR bad command line format\r\n", 38)]
    [InlineData("SERVER_ERROR out of memory writing get response\r\n", 49)]
    // Malformed.
    [InlineData("VALUE a 0 x\r\nx\r\nEND\r\n", -1)]
    [InlineData("VALUE a 0 -1\r\nx\r\nEND\r\n", -1)]
    [InlineData("VALUE a 0\r\nEND\r\n", -1)]
    [InlineData("VALUE  0 1\r\nx\r\nEND\r\n", -1)]
    [InlineData("VALUE a 0 99999999999\r\n", -1)]
    [InlineData("VALUE a 0 1\r\nxy\r\nEND\r\n", -1)]
    [InlineData("VALUE a 0 1\r\nx\nEND\r\n", -1)]
    [InlineData("VALUE a 0 1\r\nx\r\nSTORED\r\n", -1)]
    [InlineData("VALUE a 0 1\r\nx\r\nERROR\r\n", -1)]
    [InlineData("STORED\r\n", -1)]
    [InlineData("END\n", -1)]
    [InlineData("12\r\n", -1)]
    // Incomplete.
    [InlineData("", 0)]
    [InlineData("END\r", 0)]
    [InlineData("VALUE a 0 1\r\nx\r\n", 0)]
    [InlineData("VALUE a 0 100\r\nxyz", 0)]
    public void FrameRetrieval(string data, int expected)
    {
        var scanned = 0;
        Assert.Equal(expected, McReplyFramer.FrameRetrieval(Bytes(data), ref scanned));
        if (expected > 0)
        {
            Assert.Equal(0, scanned);
        }
    }

    private const string MultiValue =
        "VALUE alpha 0 5\r\nhello\r\n" +
        "VALUE b 42 12 9001\r\nline1\r\nline2\r\n" +
        "VALUE c 0 0\r\n\r\n" +
        "VALUE d 4294967295 5\r\nEND\r\n\r\n" +
        "VALUE e 1 3\r\nxyz\r\n" +
        "END\r\n";

    [Fact]
    public void EveryPrefixOfAMultiValueReplyIsIncomplete()
    {
        var bytes = Bytes(MultiValue + "STORED\r\n");
        var total = MultiValue.Length;
        for (var n = 0; n < total; n++)
        {
            var scanned = 0;
            Assert.True(McReplyFramer.FrameRetrieval(bytes.AsSpan(0, n), ref scanned) == 0, $"prefix {n}");
            Assert.InRange(scanned, 0, n);
        }
        var s = 0;
        Assert.Equal(total, McReplyFramer.FrameRetrieval(bytes, ref s));
        Assert.Equal(0, s);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(40)]
    public void ResumingWithTheSameScannedStateFindsTheEnd(int step)
    {
        var bytes = Bytes(MultiValue + "VALUE next 0 1\r\n");
        var total = MultiValue.Length;
        var scanned = 0;
        var maxScanned = 0;
        for (var n = 0; n < total; n += step)
        {
            Assert.True(McReplyFramer.FrameRetrieval(bytes.AsSpan(0, n), ref scanned) == 0, $"prefix {n}");
            // The scan position only moves forward, and only to the end of a verified VALUE block.
            Assert.InRange(scanned, maxScanned, n);
            Assert.True(scanned == 0 || MultiValue.AsSpan(scanned).StartsWith("VALUE ") || MultiValue.AsSpan(scanned).SequenceEqual("END\r\n"), $"scanned {scanned}");
            maxScanned = scanned;
        }
        Assert.True(maxScanned > 0);
        Assert.Equal(total, McReplyFramer.FrameRetrieval(bytes.AsSpan(0, total), ref scanned));
        Assert.Equal(0, scanned);
    }

    [Fact]
    public void ScannedPointsAtTheFirstUnverifiedValueBlock()
    {
        var bytes = Bytes(MultiValue);
        var firstBlock = "VALUE alpha 0 5\r\nhello\r\n".Length;
        var scanned = 0;
        Assert.Equal(0, McReplyFramer.FrameRetrieval(bytes.AsSpan(0, firstBlock + 3), ref scanned));
        Assert.Equal(firstBlock, scanned);
        // Resuming from the recorded position with the rest of the reply completes it.
        Assert.Equal(MultiValue.Length, McReplyFramer.FrameRetrieval(bytes, ref scanned));
    }

    [Fact]
    public void CorruptionAfterAResumeIsStillDetected()
    {
        var good = "VALUE a 0 1\r\nx\r\n";
        var bytes = Bytes(good + "VALUE b 0 2\r\nxyz\r\nEND\r\n");
        var scanned = 0;
        Assert.Equal(0, McReplyFramer.FrameRetrieval(bytes.AsSpan(0, good.Length + 5), ref scanned));
        Assert.Equal(good.Length, scanned);
        Assert.Equal(-1, McReplyFramer.FrameRetrieval(bytes, ref scanned));
    }

    [Theory]
    [InlineData("ERROR")]
    [InlineData("ERROR: shutdown not enabled")]
    [InlineData("CLIENT_ERROR x")]
    [InlineData("SERVER_ERROR y")]
    public void ErrorLines(string line)
    {
        Assert.True(McReplyFramer.IsErrorLine(Bytes(line)));
    }

    [Theory]
    [InlineData("END")]
    [InlineData("STORED")]
    [InlineData("VALUE a 0 1")]
    [InlineData("error")]
    [InlineData(" ERROR")]
    [InlineData("")]
    public void NotErrorLines(string line)
    {
        Assert.False(McReplyFramer.IsErrorLine(Bytes(line)));
    }

    [Theory]
    [InlineData("VALUE foo 5 10\r", true, "foo", 10)]
    [InlineData("VALUE foo 5 10 12345\r", true, "foo", 10)]
    [InlineData("VALUE foo 5 10", true, "foo", 10)]
    [InlineData("VALUE foo 5 0\r", true, "foo", 0)]
    [InlineData("VALUE k 4294967295 2147483647\r", true, "k", 2147483647)]
    [InlineData("VALUE a:b{c} 0 3 18446744073709551615\r", true, "a:b{c}", 3)]
    [InlineData("VALUE foo 5 2147483648\r", false, "", 0)]
    [InlineData("VALUE foo 5 -1\r", false, "", 0)]
    [InlineData("VALUE foo 5 1x\r", false, "", 0)]
    [InlineData("VALUE foo 5 \r", false, "", 0)]
    [InlineData("VALUE foo 5\r", false, "", 0)]
    [InlineData("VALUE foo\r", false, "", 0)]
    [InlineData("VALUE  5 1\r", false, "", 0)]
    [InlineData("VALUE foo  1\r", false, "", 0)]
    public void TryParseValueHeader(string line, bool ok, string key, int bytes)
    {
        Assert.Equal(ok, McReplyFramer.TryParseValueHeader(Bytes(line), out var k, out var n));
        if (ok)
        {
            Assert.Equal(key, Text(k));
            Assert.Equal(bytes, n);
        }
    }
}
