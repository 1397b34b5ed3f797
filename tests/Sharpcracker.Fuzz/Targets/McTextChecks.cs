using System.Buffers;
using System.Text;
using Sharpcracker.Protocols.Memcached;

namespace Sharpcracker.Fuzz;

/// <summary>
/// Properties of the memcached text framer and parser over a stream of client input:
/// consumed ≤ input; a framed request is the parse of exactly the line memcached would read
/// (first '\n', one '\r' stripped, cut at NUL) and for storage exactly DataLength bytes after it;
/// the same bytes cut into two segments at every split point frame identically, and a prefix
/// frames as NeedMore or as the whole does; a local reply is one memcached 1.6.18 sends; the
/// offsets of a forwarded command lie inside its line.
/// </summary>
internal static class McTextChecks
{
    /// <summary>The two request_size_limit values every input runs under: twemproxy's default and one small enough to reach TooLarge.</summary>
    private static readonly long[] s_limits = [1024 * 1024, 200];

    /// <summary>Replies memcached 1.6.18's proto_text.c sends for a request it refuses (and END, MN it answers without an item).</summary>
    private static readonly HashSet<string> s_memcachedReplies =
    [
        "ERROR\r\n",
        "CLIENT_ERROR bad command line format\r\n",
        "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n",
        "CLIENT_ERROR invalid exptime argument\r\n",
        "CLIENT_ERROR invalid numeric delta argument\r\n",
        "ERROR: shutdown not enabled\r\n",
        "END\r\n",
        "CLIENT_ERROR usage: stats detail on|off|dump\r\n",
        "CLIENT_ERROR bad command line\r\n",
        "CLIENT_ERROR Illegal slab id\r\n",
        "CLIENT_ERROR sleep must be one second or less\r\n",
        "MN\r\n",
        "CLIENT_ERROR options flags are too long\r\n",
        "CLIENT_ERROR options flags too long\r\n",
        "CLIENT_ERROR duplicate flag\r\n",
        "CLIENT_ERROR invalid flag\r\n",
        "CLIENT_ERROR error decoding key\r\n",
        "CLIENT_ERROR bad token in command line format\r\n",
        "CLIENT_ERROR incorrect length for M token\r\n",
        "CLIENT_ERROR invalid numeric initial value\r\n",
        "CLIENT_ERROR invalid numeric delta value\r\n",
        "CLIENT_ERROR invalid or duplicate flag\r\n",
        "CLIENT_ERROR opaque token too long\r\n",
        "CLIENT_ERROR invalid mode for ms M token\r\n",
        "CLIENT_ERROR invalid mode for ma M token\r\n",
        // The proxy's own refusal of per-server admin commands (docs/compatibility.md).
        "SERVER_ERROR not supported by proxy\r\n",
    ];

    public static bool IsMemcachedReply(string reply) => s_memcachedReplies.Contains(reply);

    public static void Check(byte[] input)
    {
        foreach (var limit in s_limits)
        {
            var scratch = new byte[16];
            var whole = FrameAll(input, new ReadOnlySequence<byte>(input), limit, ref scratch);
            foreach (var k in Property.SplitPoints(input.Length))
            {
                var split = FrameAll(input, TwoSegmentSequence.Split(input, k), limit, ref scratch);
                if (!split.SequenceEqual(whole))
                {
                    throw new FuzzPropertyException($"split at {k} frames differently (limit {limit}): {Describe(split)} vs {Describe(whole)}");
                }
                var prefix = FrameFirst(input, k, limit, ref scratch);
                if (prefix.Status == McFrameStatus.NeedMore)
                {
                    Property.That(prefix.Consumed == 0, "NeedMore with bytes consumed");
                }
                else if (prefix.Status == McFrameStatus.Close)
                {
                    Property.That(Array.IndexOf(input, (byte)'\n', 0, k) < 0 && (k > McRequestParser.MaxLineWithoutNewline || k > limit),
                        $"prefix {k} closes although it has a line end or is short");
                }
                else
                {
                    Property.That(prefix == whole[0], $"prefix {k} frames as {prefix} but the whole input as {whole[0]}");
                }
            }
        }
    }

    private static string Describe(List<McTextFrame> frames) => string.Join(" | ", frames);

    private static McTextFrame FrameFirst(byte[] input, int length, long limit, ref byte[] scratch)
    {
        var buffer = new ReadOnlySequence<byte>(input, 0, length);
        var status = McRequestFramer.TryFrame(buffer, ref scratch, limit, out var command, out var line, out var data, out var consumed);
        return Record(input, 0, length, status, command, line, data, consumed);
    }

    /// <summary>Frames requests off the front as the session does (TooLarge and a refused ms swallow their data) until NeedMore or Close.</summary>
    private static List<McTextFrame> FrameAll(byte[] input, ReadOnlySequence<byte> buffer, long limit, ref byte[] scratch)
    {
        var frames = new List<McTextFrame>();
        var offset = 0;
        while (true)
        {
            var status = McRequestFramer.TryFrame(buffer, ref scratch, limit, out var command, out var line, out var data, out var consumed);
            frames.Add(Record(input, offset, (int)buffer.Length, status, command, line, data, consumed));
            if (status is McFrameStatus.NeedMore or McFrameStatus.Close)
            {
                return frames;
            }
            long skip = status == McFrameStatus.TooLarge ? command.DataLength : command.Meta.SwallowLength;
            if (consumed + skip > buffer.Length)
            {
                return frames;
            }
            buffer = buffer.Slice(consumed + skip);
            offset += (int)(consumed + skip);
        }
    }

    /// <summary>Checks one framing result against the <paramref name="available"/> bytes of input at <paramref name="offset"/>.</summary>
    private static McTextFrame Record(byte[] input, int offset, int available, McFrameStatus status, in McCommand command, ReadOnlySpan<byte> line, in ReadOnlySequence<byte> data, long consumed)
    {
        Property.That(consumed >= 0 && consumed <= available, $"consumed {consumed} of {available} bytes");
        if (status is McFrameStatus.NeedMore or McFrameStatus.Close)
        {
            Property.That(consumed == 0, $"{status} consumed {consumed} bytes");
            return new McTextFrame(status, offset, 0, default);
        }
        // The line as memcached reads it, found independently of the framer.
        var bytes = input.AsSpan(offset, available);
        var nl = bytes.IndexOf((byte)'\n');
        Property.That(nl >= 0, $"{status} without a line end");
        var expected = bytes[..nl];
        if (expected.Length > 1 && expected[^1] == (byte)'\r')
        {
            expected = expected[..^1];
        }
        var nul = expected.IndexOf((byte)0);
        if (nul >= 0)
        {
            expected = expected[..nul];
        }
        Property.That(line.SequenceEqual(expected), "the framed line is not the line before the first '\\n'");
        var parsed = McRequestParser.Parse(expected);
        if (!Same(parsed, command))
        {
            throw new FuzzPropertyException($"the framer's command {Text(command)} is not the parser's {Text(parsed)}");
        }
        CheckCommand(expected, command);
        if (status == McFrameStatus.TooLarge)
        {
            Property.That(command.IsStorage && consumed == nl + 1 && nl + 1 + (long)command.DataLength > 0, "TooLarge for a request that is not a storage line");
        }
        else if (command.IsStorage)
        {
            Property.That(consumed == nl + 1 + (long)command.DataLength && data.Length == command.DataLength, $"storage request consumed {consumed}, line {nl + 1}, data {command.DataLength}");
            var block = bytes.Slice(nl + 1, command.DataLength);
            Property.That(data.IsSingleSegment ? data.FirstSpan.SequenceEqual(block) : data.ToArray().AsSpan().SequenceEqual(block), "the data block is not the bytes after the line");
        }
        else
        {
            Property.That(consumed == nl + 1 && data.Length == 0, $"request consumed {consumed} for a line of {nl + 1}");
        }
        return new McTextFrame(status, offset, consumed, command);
    }

    /// <summary>Offsets inside the line, keys memcached accepts, local replies memcached sends.</summary>
    private static void CheckCommand(ReadOnlySpan<byte> line, in McCommand c)
    {
        switch (c.Kind)
        {
            case McCommandKind.Local:
                Property.That(c.Reply != McLocalReply.None, "a local command without a reply");
                var reply = Encoding.Latin1.GetString(McCommand.ReplyBytes(c.Reply));
                Property.That(IsMemcachedReply(reply), $"local reply '{reply.TrimEnd()}' is not one memcached sends");
                Property.That(c.Meta.SwallowLength >= 0, "negative swallow");
                return;
            case McCommandKind.Silent or McCommandKind.Close or McCommandKind.Quit or McCommandKind.Version or McCommandKind.Stats:
                return;
        }
        Property.That(c.ForwardLength > 0 && c.ForwardLength <= line.Length, $"forward length {c.ForwardLength} outside a line of {line.Length}");
        if (c.IsRetrieval)
        {
            Property.That(c.KeysStart > 0 && c.KeysStart < line.Length && c.ForwardLength == line.Length, "retrieval keys outside the line");
            Property.That(line[c.KeysStart] != (byte)' ' && line[c.KeysStart - 1] == (byte)' ', "retrieval keys do not start at a token");
            return;
        }
        if (c.IsStorage || c.Kind is McCommandKind.Delete or McCommandKind.Incr or McCommandKind.Decr or McCommandKind.Touch
            or McCommandKind.MetaGet or McCommandKind.MetaDelete or McCommandKind.MetaArithmetic)
        {
            Property.That(c.KeyLength is > 0 and <= McRequestParser.KeyMaxLength, $"key length {c.KeyLength}");
            Property.That(c.KeyStart > 0 && c.KeyStart + c.KeyLength <= c.ForwardLength, "key outside the forwarded line");
            Property.That(line.Slice(c.KeyStart, c.KeyLength).IndexOf((byte)' ') < 0, "key holds a space");
        }
        if (c.IsStorage)
        {
            Property.That(c.DataLength >= 2, $"data length {c.DataLength}");
        }
        if (c.Meta.QuietLength > 0)
        {
            Property.That(c.Meta.QuietStart > 0 && c.Meta.QuietStart + c.Meta.QuietLength <= line.Length, "quiet token outside the line");
        }
    }

    public static bool Same(in McCommand a, in McCommand b)
        => a.Kind == b.Kind && a.Reply == b.Reply && a.Noreply == b.Noreply && a.ForwardLength == b.ForwardLength
           && a.KeyStart == b.KeyStart && a.KeyLength == b.KeyLength && a.KeysStart == b.KeysStart && a.DataLength == b.DataLength
           && a.Meta.Quiet == b.Meta.Quiet && a.Meta.Base64Key == b.Meta.Base64Key && a.Meta.QuietStart == b.Meta.QuietStart
           && a.Meta.QuietLength == b.Meta.QuietLength && a.Meta.SwallowLength == b.Meta.SwallowLength;

    public static string Text(in McCommand c)
        => $"{c.Kind}/{c.Reply} nr={c.Noreply} fwd={c.ForwardLength} key={c.KeyStart}+{c.KeyLength} keys={c.KeysStart} data={c.DataLength} "
           + $"meta={c.Meta.Quiet},{c.Meta.Base64Key},{c.Meta.QuietStart}+{c.Meta.QuietLength},sw={c.Meta.SwallowLength}";
}
