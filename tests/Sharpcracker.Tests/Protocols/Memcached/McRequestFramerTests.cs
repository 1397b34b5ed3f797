using System.Buffers;
using System.Text;
using Sharpcracker.Protocols.Memcached;
using static Sharpcracker.Tests.Protocols.Memcached.TestBytes;

namespace Sharpcracker.Tests.Protocols.Memcached;

public sealed class McRequestFramerTests
{
    private const long Unlimited = long.MaxValue;

    private static readonly string BigValue = string.Concat(Enumerable.Range(0, 60).Select(i => $"v{i:D2}\r\n"));

    /// <summary>Each request of the pipeline, and how the framer must describe it.</summary>
    private static readonly (string Request, string Framed)[] Pipeline =
    [
        ("set a 0 0 10\r\nab\r\ncd\r\nef\r\n", "Request Set line=[set a 0 0 10] data=[ab\r\ncd\r\nef\r\n]"),
        ("get a b c\r\n", "Request Get line=[get a b c]"),
        ("gets a\r\n", "Request Gets line=[gets a]"),
        ("delete a noreply\r\n", "Request Delete noreply line=[delete a noreply]"),
        ("incr n 5\r\n", "Request Incr line=[incr n 5]"),
        // A bad data chunk: the framer takes exactly <bytes>+2 bytes; the backend judges them.
        ("set bad 0 0 3\r\nabcXY", "Request Set line=[set bad 0 0 3] data=[abcXY]"),
        ("get bare\n", "Request Get line=[get bare]"),
        ("bogus command\r\n", "Request Local:Error line=[bogus command]"),
        ($"append big 0 0 {BigValue.Length}\r\n{BigValue}\r\n", $"Request Append line=[append big 0 0 {BigValue.Length}] data=[{BigValue}\r\n]"),
        ("cas k 0 0 2 99 noreply\r\nhi\r\n", "Request Cas noreply line=[cas k 0 0 2 99 noreply] data=[hi\r\n]"),
        ("touch k 10\r\n", "Request Touch line=[touch k 10]"),
        ("flush_all noreply\r\n", "Request FlushAll noreply line=[flush_all noreply]"),
        ("version\r\n", "Request Version line=[version]"),
        ("gat 0 a b\r\n", "Request Gat line=[gat 0 a b]"),
        // Bad <bytes>: memcached 1.6.18 does not swallow a data block, so only the line is consumed.
        ("set k 0 0 abc\r\n", "Request Local:BadFormat line=[set k 0 0 abc]"),
        ("get a\0junk\r\n", "Request Get line=[get a]"),
        ("\r\n", "Request Local:Error line=[\r]"),
        ("verbosity 1\r\n", "Request Verbosity line=[verbosity 1]"),
        ("prepend p 0 0 0\r\n\r\n", "Request Prepend line=[prepend p 0 0 0] data=[\r\n]"),
        ("set n 0 0 1 noreply junk\r\n", "Request Local:Error line=[set n 0 0 1 noreply junk]"),
        ("add q 0 0 1 noreply\r\nZ\r\n", "Request Add noreply line=[add q 0 0 1 noreply] data=[Z\r\n]"),
        ("GET / HTTP/1.1\r\n", "Request Close line=[GET / HTTP/1.1]"),
        ("quit\r\n", "Request Quit line=[quit]"),
    ];

    private static readonly string Tail = "get partial";

    private static byte[] PipelineBytes() => Bytes(string.Concat(Pipeline.Select(p => p.Request)) + Tail);

    private static string Describe(McFrameStatus status, McCommand command, ReadOnlySpan<byte> line, in ReadOnlySequence<byte> data, long consumed)
    {
        var sb = new StringBuilder();
        sb.Append(status);
        if (status == McFrameStatus.Request)
        {
            sb.Append(' ').Append(command.Kind == McCommandKind.Local ? "Local:" + command.Reply : command.Kind.ToString());
            if (command.Noreply)
            {
                sb.Append(" noreply");
            }
            sb.Append(" line=[").Append(Text(line)).Append(']');
            if (!data.IsEmpty)
            {
                sb.Append(" data=[").Append(Text(data)).Append(']');
            }
        }
        sb.Append(" consumed=").Append(consumed);
        return sb.ToString();
    }

    /// <summary>Frames requests off the front of <paramref name="buffer"/> until the framer stops.</summary>
    private static List<string> FrameAll(ReadOnlySequence<byte> buffer, long maxRequestBytes = Unlimited)
    {
        var results = new List<string>();
        byte[] scratch = [];
        while (true)
        {
            var status = McRequestFramer.TryFrame(buffer, ref scratch, maxRequestBytes, out var command, out var line, out var data, out var consumed);
            if (status == McFrameStatus.Request)
            {
                Assert.InRange(command.ForwardLength, 0, line.Length);
                // The data block must be exactly what the command announced.
                if (command.IsStorage)
                {
                    Assert.Equal(command.DataLength, data.Length);
                }
                else
                {
                    Assert.True(data.IsEmpty);
                }
            }
            results.Add(Describe(status, command, line, data, consumed));
            if (status != McFrameStatus.Request)
            {
                Assert.Equal(0, consumed);
                return results;
            }
            Assert.True(consumed > 0);
            buffer = buffer.Slice(consumed);
        }
    }

    private static List<string> ExpectedPipeline()
    {
        var expected = Pipeline.Select(p => $"{p.Framed} consumed={Encoding.Latin1.GetByteCount(p.Request)}").ToList();
        expected.Add("NeedMore consumed=0");
        return expected;
    }

    [Fact]
    public void ContiguousPipelineFramesEveryRequest()
    {
        Assert.True(Pipeline.Length >= 15);
        Assert.Equal(ExpectedPipeline(), FrameAll(new ReadOnlySequence<byte>(PipelineBytes())));
    }

    [Fact]
    public void TwoSegmentsSplitAtEveryByteFrameTheSame()
    {
        var bytes = PipelineBytes();
        var expected = ExpectedPipeline();
        for (var i = 0; i <= bytes.Length; i++)
        {
            var actual = FrameAll(Split(bytes, i));
            Assert.True(expected.SequenceEqual(actual), $"split at {i}: first difference at request {FirstDifference(expected, actual)}");
        }
    }

    [Fact]
    public void ThreeSegmentsFrameTheSame()
    {
        var bytes = PipelineBytes();
        var expected = ExpectedPipeline();
        var count = 0;
        for (var i = 1; i < bytes.Length; i += 13)
        {
            for (var j = i; j < bytes.Length; j += 7)
            {
                var actual = FrameAll(Split(bytes, i, j));
                Assert.True(expected.SequenceEqual(actual), $"split at {i},{j}: first difference at request {FirstDifference(expected, actual)}");
                count++;
            }
        }
        // Every line end and data end of the first requests, split on both sides.
        var offset = 0;
        foreach (var (request, _) in Pipeline)
        {
            var end = offset + request.Length;
            for (var a = Math.Max(1, offset - 2); a <= Math.Min(bytes.Length, offset + 2); a++)
            {
                for (var b = Math.Max(a, end - 3); b <= Math.Min(bytes.Length, end + 1); b++)
                {
                    var actual = FrameAll(Split(bytes, a, b));
                    Assert.True(expected.SequenceEqual(actual), $"split at {a},{b}: first difference at request {FirstDifference(expected, actual)}");
                    count++;
                }
            }
            offset = end;
        }
        Assert.True(count > 1000);
    }

    [Fact]
    public void OneByteSegmentsFrameTheSame()
    {
        var bytes = PipelineBytes();
        var actual = FrameAll(Split(bytes, Enumerable.Range(1, bytes.Length - 1).ToArray()));
        Assert.Equal(ExpectedPipeline(), actual);
    }

    private static int FirstDifference(List<string> expected, List<string> actual)
    {
        var i = 0;
        while (i < expected.Count && i < actual.Count && expected[i] == actual[i])
        {
            i++;
        }
        return i;
    }

    [Fact]
    public void EveryStrictPrefixOfARequestNeedsMore()
    {
        foreach (var (request, framed) in Pipeline)
        {
            var bytes = Bytes(request);
            for (var n = 0; n < bytes.Length; n++)
            {
                var prefix = bytes.AsSpan(0, n).ToArray();
                byte[] scratch = [];
                var status = McRequestFramer.TryFrame(new ReadOnlySequence<byte>(prefix), ref scratch, Unlimited, out _, out _, out _, out var consumed);
                Assert.True(status == McFrameStatus.NeedMore && consumed == 0, $"{framed}: prefix of {n} bytes gave {status} consumed {consumed}");
                if (n > 1)
                {
                    status = McRequestFramer.TryFrame(Split(prefix, n / 2), ref scratch, Unlimited, out _, out _, out _, out consumed);
                    Assert.True(status == McFrameStatus.NeedMore && consumed == 0, $"{framed}: split prefix of {n} bytes gave {status} consumed {consumed}");
                }
            }
            // And the whole request frames on its own.
            Assert.Equal($"{framed} consumed={bytes.Length}", FrameAll(new ReadOnlySequence<byte>(bytes))[0]);
        }
    }

    private static McFrameStatus Frame(byte[] bytes, long maxRequestBytes = Unlimited)
    {
        byte[] scratch = [];
        return McRequestFramer.TryFrame(new ReadOnlySequence<byte>(bytes), ref scratch, maxRequestBytes, out _, out _, out _, out _);
    }

    [Theory]
    [InlineData("", 2048, "NeedMore")]
    [InlineData("", 2049, "Close")]
    [InlineData("set k 0 0 1 ", 2049, "Close")]
    [InlineData("get ", 2048, "NeedMore")]
    [InlineData("get ", 5000, "NeedMore")]
    [InlineData("gets ", 5000, "NeedMore")]
    [InlineData(" get ", 5000, "NeedMore")]
    [InlineData("{100 spaces}get ", 5000, "NeedMore")]
    [InlineData("{100 spaces}gets ", 5000, "NeedMore")]
    [InlineData("{101 spaces}get ", 5000, "Close")]
    [InlineData("getx", 5000, "Close")]
    [InlineData("get", 5000, "Close")]
    [InlineData("GET ", 5000, "Close")]
    [InlineData("gat ", 5000, "Close")]
    [InlineData("bget ", 5000, "Close")]
    [InlineData("\tget ", 5000, "Close")]
    public void LineWithoutNewlineLongerThan2048BytesCloses(string head, int total, string expected)
    {
        var h = head.Replace("{100 spaces}", new string(' ', 100), StringComparison.Ordinal)
            .Replace("{101 spaces}", new string(' ', 101), StringComparison.Ordinal);
        var bytes = Bytes(h + new string('k', total - h.Length));
        Assert.Equal(total, bytes.Length);
        Assert.Equal(expected, Frame(bytes).ToString());
        // The decision must not depend on how the bytes are segmented.
        foreach (var cut in new[] { 1, 2, 3, 4, 5, 100, 101, 103, 105, 2048 })
        {
            if (cut < bytes.Length)
            {
                byte[] scratch = [];
                var status = McRequestFramer.TryFrame(Split(bytes, cut), ref scratch, Unlimited, out _, out _, out _, out _);
                Assert.True(expected == status.ToString(), $"cut at {cut}: {status}");
            }
        }
    }

    [Fact]
    public void LongLineWithANewlineIsFramedNormally()
    {
        var line = "set k 0 0 1" + new string(' ', 3000) + "\r\nX\r\n";
        var results = FrameAll(new ReadOnlySequence<byte>(Bytes(line)));
        Assert.Equal($"Request Set line=[set k 0 0 1{new string(' ', 3000)}] data=[X\r\n] consumed={line.Length}", results[0]);
        var keys = string.Join(' ', Enumerable.Range(0, 1000).Select(i => "key" + i));
        var get = Bytes("get " + keys + "\r\n");
        Assert.Equal($"Request Get line=[get {keys}] consumed={get.Length}", FrameAll(new ReadOnlySequence<byte>(get))[0]);
    }

    [Fact]
    public void StorageCommandOverMaxRequestBytes_IsTooLarge_WithTheLineConsumedOnly()
    {
        byte[] scratch = [];
        var bytes = Bytes("set k 1 0 100\r\nabc");
        var status = McRequestFramer.TryFrame(new ReadOnlySequence<byte>(bytes), ref scratch, 100, out var command, out var line, out _, out var consumed);
        Assert.Equal(McFrameStatus.TooLarge, status);
        Assert.Equal("set k 1 0 100".Length + 2, consumed);
        Assert.Equal(102, command.DataLength);
        Assert.Equal(McCommandKind.Set, command.Kind);
        Assert.Equal("k", Encoding.ASCII.GetString(line.Slice(command.KeyStart, command.KeyLength)));
        // Exactly at the limit it is an ordinary request.
        var fits = Bytes("set k 1 0 3\r\nabc\r\n");
        Assert.Equal(McFrameStatus.Request, Frame(fits, fits.Length));
        Assert.Equal(McFrameStatus.TooLarge, Frame(fits, fits.Length - 1));
    }

    [Fact]
    public void MultiGetLongerThanMaxRequestBytesCloses()
    {
        var bytes = Bytes("get " + new string('k', 5000));
        Assert.Equal(McFrameStatus.NeedMore, Frame(bytes, 5004));
        Assert.Equal(McFrameStatus.Close, Frame(bytes, 5003));
    }

    [Fact]
    public void StorageRequestLargerThanMaxRequestBytesIsTooLarge()
    {
        var header = Bytes("set k 0 0 1000\r\n");
        var partial = header.Concat(new byte[10]).ToArray();
        var total = header.Length + 1002;
        Assert.Equal(McFrameStatus.NeedMore, Frame(partial, total));
        Assert.Equal(McFrameStatus.TooLarge, Frame(partial, total - 1));
        Assert.Equal(McFrameStatus.TooLarge, Frame(header, 100));
        // A complete request of exactly the limit frames.
        var whole = header.Concat(new byte[1000]).Concat("\r\n"u8.ToArray()).ToArray();
        Assert.Equal(McFrameStatus.Request, Frame(whole, total));
        // Huge announced sizes are refused at once rather than waiting for gigabytes.
        Assert.Equal(McFrameStatus.TooLarge, Frame(Bytes("set k 0 0 2147483645\r\n"), 64 * 1024 * 1024));
    }

    [Theory]
    [InlineData("get a\r\n", "Request Get line=[get a] consumed=7")]
    [InlineData("get a\n", "Request Get line=[get a] consumed=6")]
    // Only one '\r' is stripped; the second belongs to the key.
    [InlineData("get a\r\r\n", "Request Get line=[get a\r] consumed=8")]
    // A line of just "\r" is not stripped (memcached strips only when the line is longer than one byte).
    [InlineData("\r\n", "Request Local:Error line=[\r] consumed=2")]
    [InlineData("\n", "Request Local:Error line=[] consumed=1")]
    [InlineData("a\r\n", "Request Local:Error line=[a] consumed=3")]
    [InlineData("version\r\n", "Request Version line=[version] consumed=9")]
    [InlineData("version\rjunk\r\n", "Request Local:Error line=[version\rjunk] consumed=14")]
    // A NUL ends the C string: what follows it on the line is ignored, but still consumed.
    [InlineData("set k 0 0 1\0 noreply\r\nX\r\n", "Request Set line=[set k 0 0 1] data=[X\r\n] consumed=25")]
    [InlineData("\0get a\r\n", "Request Local:Error line=[] consumed=8")]
    [InlineData("get a\r\0\r\n", "Request Get line=[get a\r] consumed=9")]
    [InlineData("delete k\0 10\r\n", "Request Delete line=[delete k] consumed=14")]
    public void LineEndsAndNul(string input, string expected)
    {
        Assert.Equal(expected, FrameAll(new ReadOnlySequence<byte>(Bytes(input)))[0]);
        if (input.Length > 2)
        {
            Assert.Equal(expected, FrameAll(Split(Bytes(input), input.Length - 2))[0]);
        }
    }

    [Fact]
    public void ScratchGrowsForLinesStraddlingSegments()
    {
        var keys = string.Join(' ', Enumerable.Range(0, 500).Select(i => "key" + i));
        var bytes = Bytes("get " + keys + "\r\n");
        byte[] scratch = new byte[4];
        var status = McRequestFramer.TryFrame(Split(bytes, 10, 1000), ref scratch, Unlimited, out var command, out var line, out _, out var consumed);
        Assert.Equal(McFrameStatus.Request, status);
        Assert.Equal(McCommandKind.Get, command.Kind);
        Assert.Equal("get " + keys, Text(line));
        Assert.Equal(bytes.Length, consumed);
        Assert.True(scratch.Length >= bytes.Length - 2);
    }
}
