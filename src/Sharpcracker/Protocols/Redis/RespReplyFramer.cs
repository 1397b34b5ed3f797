namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// Finds where one RESP2 or RESP3 reply ends: simple string, error, integer, bulk string (or nil),
/// array (or nil) nested to any depth, and RESP3's null, boolean, double, big number, verbatim
/// string, blob error, map, set, push and attribute. Aggregates are framed without a stack: a
/// reply is complete when the count of elements still expected drops to zero (an array of n adds
/// n, a map of n adds 2n; an attribute adds its 2n and the value it annotates still follows).
/// Streamed strings and aggregates (<c>$?</c>, <c>*?</c>) are refused: redis-server never sends them. Framing is
/// resumable: <c>scan</c> is the offset of the first element not yet framed and the count of
/// elements still expected is kept by the caller, so bytes of a large reply are looked at once.
/// Bulk payloads are skipped by length, never scanned.
/// </summary>
internal static class RespReplyFramer
{
    /// <summary>
    /// Length of the complete reply at the start of <paramref name="data"/>, 0 if more bytes are
    /// needed (state saved in <paramref name="scan"/> and <paramref name="remaining"/>), -1 if malformed.
    /// Start with scan 0; <paramref name="remaining"/> is ignored (reset to 1) when scan is 0.
    /// </summary>
    public static int Frame(ReadOnlySpan<byte> data, ref int scan, ref long remaining)
    {
        var pos = scan;
        if (pos == 0)
        {
            remaining = 1;
        }
        while (remaining > 0)
        {
            if (pos >= data.Length)
            {
                scan = pos;
                return 0;
            }
            var rest = data[pos..];
            var nl = rest.IndexOf((byte)'\n');
            if (nl < 0)
            {
                scan = pos;
                return 0;
            }
            // A line is a type byte, its text and CRLF: a bare CRLF has no type and is malformed
            // (found by fuzzing: it used to slice rest[1..0] and throw).
            if (nl < 2 || rest[nl - 1] != (byte)'\r')
            {
                return -1;
            }
            var header = rest[1..(nl - 1)];
            var next = pos + nl + 1;
            switch (rest[0])
            {
                case (byte)'+':
                case (byte)'-':
                case (byte)':':
                case (byte)'_':
                case (byte)'#':
                case (byte)',':
                case (byte)'(':
                    remaining--;
                    break;
                case (byte)'$':
                case (byte)'=':
                case (byte)'!':
                    {
                        if (!RespRequestParser.TryParseLong(header, out var length) || length < -1)
                        {
                            return -1;
                        }
                        if (length >= 0)
                        {
                            var end = (long)next + length + 2;
                            if (end > int.MaxValue)
                            {
                                return -1;
                            }
                            if (end > data.Length)
                            {
                                scan = pos; // resume at this header: cheap to reread, the payload is skipped
                                return 0;
                            }
                            if (data[(int)end - 2] != (byte)'\r' || data[(int)end - 1] != (byte)'\n')
                            {
                                return -1;
                            }
                            next = (int)end;
                        }
                        remaining--;
                        break;
                    }
                case (byte)'*':
                case (byte)'~':
                case (byte)'>':
                case (byte)'%':
                case (byte)'|':
                    {
                        if (!RespRequestParser.TryParseLong(header, out var count) || count < -1 || count > int.MaxValue)
                        {
                            return -1;
                        }
                        if (rest[0] != (byte)'|')
                        {
                            remaining--; // an attribute is not the reply: the value it annotates follows
                        }
                        if (count > 0)
                        {
                            remaining += rest[0] is (byte)'%' or (byte)'|' ? 2 * count : count;
                        }
                        break;
                    }
                default:
                    return -1;
            }
            pos = next;
        }
        scan = 0;
        return pos;
    }

    /// <summary>Length of the one element (of any type, nested) at the start of <paramref name="data"/>, which must be complete.</summary>
    public static int ElementLength(ReadOnlySpan<byte> data)
    {
        var scan = 0;
        long remaining = 1;
        return Frame(data, ref scan, ref remaining);
    }
}
