namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// Finds where a backend's reply to one forwarded meta command ends, and decides what of it the
/// client sees. A reply is one line (HD, EN, NF, NS, EX, ME, MN or an error), or a VA line and
/// its data block; a sentinel ma's reply is an optional such reply followed by MN.
/// </summary>
internal static class McMetaReplyFramer
{
    /// <summary>Length of the complete reply at the start of data, 0 if incomplete, -1 if it is not a meta reply.</summary>
    public static int Frame(ReadOnlySpan<byte> data, McMetaQuiet quiet)
    {
        var length = FrameOne(data);
        if (quiet != McMetaQuiet.Sentinel || length <= 0 || data[..length].SequenceEqual(McMetaReplies.Noop))
        {
            return length;
        }
        var rest = data[length..];
        if (rest.Length < McMetaReplies.Noop.Length)
        {
            return McMetaReplies.Noop[..rest.Length].SequenceEqual(rest) ? McReplyFramer.Incomplete : McReplyFramer.Malformed;
        }
        return rest.StartsWith(McMetaReplies.Noop) ? length + McMetaReplies.Noop.Length : McReplyFramer.Malformed;
    }

    private static int FrameOne(ReadOnlySpan<byte> data)
    {
        var nl = data.IndexOf((byte)'\n');
        if (nl < 0)
        {
            return McReplyFramer.Incomplete;
        }
        var line = data[..nl];
        if (line.StartsWith("VA "u8))
        {
            var n = 0L;
            var i = 3;
            for (; i < line.Length && (uint)(line[i] - '0') <= 9; i++)
            {
                n = n * 10 + (line[i] - '0');
                if (n > int.MaxValue)
                {
                    return McReplyFramer.Malformed;
                }
            }
            if (i == 3 || i == line.Length || (line[i] != (byte)' ' && line[i] != (byte)'\r'))
            {
                return McReplyFramer.Malformed;
            }
            var end = nl + 1 + n + 2;
            if (end > data.Length)
            {
                return McReplyFramer.Incomplete;
            }
            return data[(int)end - 2] == (byte)'\r' && data[(int)end - 1] == (byte)'\n' ? (int)end : McReplyFramer.Malformed;
        }
        return IsStatusLine(line) || McReplyFramer.IsErrorLine(line) ? nl + 1 : McReplyFramer.Malformed;
    }

    /// <summary>A two-letter meta status code followed by flags or the line end.</summary>
    private static bool IsStatusLine(ReadOnlySpan<byte> line)
    {
        if (line.Length < 3 || (line[2] != (byte)' ' && line[2] != (byte)'\r'))
        {
            return false;
        }
        var code = line[..2];
        return code.SequenceEqual("HD"u8) || code.SequenceEqual("EN"u8) || code.SequenceEqual("NF"u8)
            || code.SequenceEqual("NS"u8) || code.SequenceEqual("EX"u8) || code.SequenceEqual("ME"u8)
            || code.SequenceEqual("MN"u8);
    }

    /// <summary>
    /// The part of a complete reply the client sees: nothing when memcached would have hidden it
    /// under q (errors are never hidden), the reply without its closing MN for a sentinel ma.
    /// </summary>
    public static ReadOnlySpan<byte> Visible(McMetaQuiet quiet, ReadOnlySpan<byte> reply) => quiet switch
    {
        McMetaQuiet.HideMiss when HasCode(reply, "EN"u8) => default,
        McMetaQuiet.HideStored when HasCode(reply, "HD"u8) => default,
        McMetaQuiet.HideSuccess when HasCode(reply, "HD"u8) || reply.StartsWith("VA "u8) => default,
        McMetaQuiet.Sentinel => reply[..^McMetaReplies.Noop.Length],
        _ => reply,
    };

    private static bool HasCode(ReadOnlySpan<byte> reply, ReadOnlySpan<byte> code)
        => reply.Length > 2 && reply.StartsWith(code) && (reply[2] == (byte)' ' || reply[2] == (byte)'\r');
}
