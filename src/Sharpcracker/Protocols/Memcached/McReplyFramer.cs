namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// Finds where one complete memcached reply ends in a backend's receive buffer. The proxy only
/// forwards requests it has validated, so the reply's shape is known from the request: one line,
/// or a retrieval stream of VALUE blocks ended by END. Anything else means the stream is out of
/// step and the connection must be torn down.
/// </summary>
internal static class McReplyFramer
{
    public const int Incomplete = 0;
    public const int Malformed = -1;

    /// <summary>A single-line reply. Returns its length including \r\n, 0 if incomplete, -1 if it is a retrieval line.</summary>
    public static int FrameLine(ReadOnlySpan<byte> data)
    {
        var nl = data.IndexOf((byte)'\n');
        if (nl < 0)
        {
            return Incomplete;
        }
        var line = data[..nl];
        if (line.StartsWith("VALUE "u8) || line.SequenceEqual("END\r"u8))
        {
            return Malformed;
        }
        return nl + 1;
    }

    /// <summary>
    /// A get/gets/gat/gats reply. <paramref name="scanned"/> carries the offset of the first VALUE block not
    /// yet verified across calls, so a large reply arriving in pieces is scanned once.
    /// </summary>
    public static int FrameRetrieval(ReadOnlySpan<byte> data, ref int scanned)
    {
        var pos = scanned;
        while (true)
        {
            var nl = data[pos..].IndexOf((byte)'\n');
            if (nl < 0)
            {
                scanned = pos;
                return Incomplete;
            }
            var line = data.Slice(pos, nl);
            var next = pos + nl + 1;
            if (line.SequenceEqual("END\r"u8))
            {
                scanned = 0;
                return next;
            }
            if (line.StartsWith("VALUE "u8))
            {
                if (!TryParseValueLength(line, out var bytes))
                {
                    return Malformed;
                }
                var end = (long)next + bytes + 2;
                if (end > data.Length)
                {
                    scanned = pos;
                    return Incomplete;
                }
                if (data[(int)end - 2] != (byte)'\r' || data[(int)end - 1] != (byte)'\n')
                {
                    return Malformed;
                }
                pos = (int)end;
                continue;
            }
            if (pos == 0 && IsErrorLine(line))
            {
                scanned = 0;
                return next;
            }
            return Malformed;
        }
    }

    public static bool IsErrorLine(ReadOnlySpan<byte> line)
        => line.StartsWith("ERROR"u8) || line.StartsWith("CLIENT_ERROR"u8) || line.StartsWith("SERVER_ERROR"u8);

    /// <summary>Parses "VALUE key flags bytes [cas]\r" and returns bytes and the key.</summary>
    public static bool TryParseValueHeader(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> key, out int bytes)
    {
        key = default;
        bytes = 0;
        var rest = line[6..];
        var sp = rest.IndexOf((byte)' ');
        if (sp <= 0)
        {
            return false;
        }
        key = rest[..sp];
        rest = rest[(sp + 1)..];
        sp = rest.IndexOf((byte)' ');
        if (sp <= 0)
        {
            return false;
        }
        rest = rest[(sp + 1)..];
        var n = 0L;
        var i = 0;
        for (; i < rest.Length && (uint)(rest[i] - '0') <= 9; i++)
        {
            n = n * 10 + (rest[i] - '0');
            if (n > int.MaxValue)
            {
                return false;
            }
        }
        if (i == 0 || (i < rest.Length && rest[i] != (byte)' ' && rest[i] != (byte)'\r'))
        {
            return false;
        }
        bytes = (int)n;
        return true;
    }

    private static bool TryParseValueLength(ReadOnlySpan<byte> line, out int bytes) => TryParseValueHeader(line, out _, out bytes);
}
