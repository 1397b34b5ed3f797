using System.Buffers.Text;

namespace Sharpcracker.LoadGen;

/// <summary>
/// Frames one RESP2 or RESP3 value without interpreting it: the handshake reply (HELLO 3's map)
/// and the INFO probe's bulk string. Off the hot path; the GET / MGET / SET replies are parsed
/// by RedisCodec itself.
/// </summary>
public static class Resp3Frame
{
    /// <summary>Nesting deeper than this is treated as malformed (HELLO's map is two levels deep).</summary>
    private const int MaxDepth = 32;

    /// <summary>Bytes the complete value at the start of received occupies; 0 when it is not complete yet; -1 when it is not RESP.</summary>
    public static int Length(ReadOnlySpan<byte> received) => Length(received, 0, 0);

    private static int Length(ReadOnlySpan<byte> r, int start, int depth)
    {
        if (depth > MaxDepth)
        {
            return -1;
        }
        var rel = start < r.Length ? r[start..].IndexOf("\r\n"u8) : -1;
        if (rel < 0)
        {
            return 0;
        }
        var eol = start + rel;
        var line = r[(start + 1)..eol];
        switch (r[start])
        {
            case (byte)'+' or (byte)'-' or (byte)':' or (byte)'_' or (byte)'#' or (byte)',' or (byte)'(':
                return eol + 2 - start;
            case (byte)'$' or (byte)'=' or (byte)'!':
                {
                    if (!TryCount(line, out var bytes))
                    {
                        return -1;
                    }
                    if (bytes < 0)
                    {
                        return eol + 2 - start; // RESP2's null bulk string
                    }
                    var end = eol + 2 + bytes + 2;
                    return r.Length < end ? 0 : r[end - 2] == '\r' && r[end - 1] == '\n' ? end - start : -1;
                }
            case (byte)'*' or (byte)'~' or (byte)'>' or (byte)'%' or (byte)'|':
                {
                    if (!TryCount(line, out var count))
                    {
                        return -1;
                    }
                    var elements = r[start] is (byte)'%' or (byte)'|' ? 2L * count : count;
                    var pos = eol + 2;
                    for (var i = 0L; i < elements; i++)
                    {
                        var n = Length(r, pos, depth + 1);
                        if (n <= 0)
                        {
                            return n;
                        }
                        pos += n;
                    }
                    if (r[start] == '|')
                    {
                        // An attribute map comes before the value it describes.
                        var n = Length(r, pos, depth + 1);
                        return n <= 0 ? n : pos + n - start;
                    }
                    return pos - start;
                }
            default:
                return -1;
        }
    }

    private static bool TryCount(ReadOnlySpan<byte> digits, out int count)
        => Utf8Parser.TryParse(digits, out count, out var used) && used == digits.Length && count >= -1;
}
