
namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// Parses client requests exactly as redis-server 7.0 does (networking.c): a request starting
/// with '*' is a multibulk array, anything else an inline command line split like sdssplitargs.
/// Error texts and limits are redis-server's; every protocol error closes the connection after
/// the error reply, and everything before it is still served.
/// </summary>
internal static class RespRequestParser
{
    /// <summary>PROTO_INLINE_MAX_SIZE: longest inline line or count/length header line.</summary>
    public const int InlineMax = 64 * 1024;
    /// <summary>proto-max-bulk-len default (512 MB).</summary>
    public const long MaxBulk = 512L * 1024 * 1024;

    /// <summary>
    /// Parses one command. <paramref name="maxBulk"/> plays proto-max-bulk-len: a longer bulk
    /// argument is "invalid bulk length" (the proxy passes its request_size_limit).
    /// </summary>
    public static RespParseStatus Parse(ReadOnlySpan<byte> data, RespArgs args, bool authRequired, out int consumed, out long needed, out string? error, long maxBulk = MaxBulk)
    {
        consumed = 0;
        needed = 0;
        error = null;
        if (data.IsEmpty)
        {
            needed = 1;
            return RespParseStatus.NeedMore;
        }
        return data[0] == (byte)'*'
            ? ParseMultibulk(data, args, authRequired, Math.Min(maxBulk, MaxBulk), out consumed, out needed, out error)
            : ParseInline(data, args, out consumed, out needed, out error);
    }

    private static RespParseStatus ParseMultibulk(ReadOnlySpan<byte> data, RespArgs args, bool authRequired, long maxBulk, out int consumed, out long needed, out string? error)
    {
        consumed = 0;
        needed = 0;
        error = null;
        args.Reset(inline: false);
        var cr = LineEnd(data);
        if (cr < 0)
        {
            if (data.Length > InlineMax)
            {
                error = "Protocol error: too big mbulk count string";
                return RespParseStatus.Error;
            }
            needed = data.Length + 1;
            return RespParseStatus.NeedMore;
        }
        if (cr + 2 > data.Length)
        {
            needed = cr + 2;
            return RespParseStatus.NeedMore;
        }
        if (!TryParseLong(data[1..cr], out var count) || count > int.MaxValue)
        {
            error = "Protocol error: invalid multibulk length";
            return RespParseStatus.Error;
        }
        var pos = cr + 2; // redis-server skips the byte after '\r' without looking at it
        if (count <= 0)
        {
            consumed = pos;
            return RespParseStatus.Empty;
        }
        if (count > 10 && authRequired)
        {
            error = "Protocol error: unauthenticated multibulk length";
            return RespParseStatus.Error;
        }
        for (var i = 0; i < count; i++)
        {
            if (pos >= data.Length)
            {
                needed = (long)pos + 1;
                return RespParseStatus.NeedMore;
            }
            var rest = data[pos..];
            cr = LineEnd(rest);
            if (cr < 0)
            {
                if (rest.Length > InlineMax)
                {
                    error = "Protocol error: too big bulk count string";
                    return RespParseStatus.Error;
                }
                needed = (long)data.Length + 1;
                return RespParseStatus.NeedMore;
            }
            if (cr + 2 > rest.Length)
            {
                needed = (long)pos + cr + 2;
                return RespParseStatus.NeedMore;
            }
            if (rest[0] != (byte)'$')
            {
                error = "Protocol error: expected '$', got '" + (char)rest[0] + "'";
                return RespParseStatus.Error;
            }
            if (!TryParseLong(rest[1..cr], out var length) || length < 0 || length > maxBulk)
            {
                error = "Protocol error: invalid bulk length";
                return RespParseStatus.Error;
            }
            if (length > 16384 && authRequired)
            {
                error = "Protocol error: unauthenticated bulk length";
                return RespParseStatus.Error;
            }
            var start = (long)pos + cr + 2;
            var end = start + length + 2; // the two bytes after the payload are skipped unread, as redis-server does
            if (end > data.Length)
            {
                needed = end;
                return RespParseStatus.NeedMore;
            }
            args.Add((int)start, (int)length);
            pos = (int)end;
        }
        consumed = pos;
        return RespParseStatus.Command;
    }

    /// <summary>
    /// The '\r' that ends a count or length line, as redis-server finds it with strchr: a NUL byte
    /// before it hides it (-1), so such a line waits for more input and fails only as "too big"
    /// past 64 KiB, like redis-server's.
    /// </summary>
    private static int LineEnd(ReadOnlySpan<byte> data)
    {
        var end = data.IndexOfAny((byte)'\r', (byte)0);
        return end >= 0 && data[end] == (byte)'\r' ? end : -1;
    }

    private static RespParseStatus ParseInline(ReadOnlySpan<byte> data, RespArgs args, out int consumed, out long needed, out string? error)
    {
        consumed = 0;
        needed = 0;
        error = null;
        var nl = data.IndexOf((byte)'\n');
        if (nl < 0)
        {
            if (data.Length > InlineMax)
            {
                error = "Protocol error: too big inline request";
                return RespParseStatus.Error;
            }
            needed = data.Length + 1;
            return RespParseStatus.NeedMore;
        }
        consumed = nl + 1;
        var line = data[..(nl > 0 && data[nl - 1] == (byte)'\r' ? nl - 1 : nl)];
        // The line is a C string on the server: a NUL byte ends it.
        var nul = line.IndexOf((byte)0);
        if (nul >= 0)
        {
            line = line[..nul];
        }
        args.Reset(inline: true);
        if (!SplitArgs(line, args))
        {
            error = "Protocol error: unbalanced quotes in request";
            return RespParseStatus.Error;
        }
        return args.Count == 0 ? RespParseStatus.Empty : RespParseStatus.Command;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\v' or (byte)'\f';

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    /// <summary>sdssplitargs: whitespace-separated tokens, "double quotes" with C escapes and \xHH, 'single quotes' with \'.</summary>
    internal static bool SplitArgs(ReadOnlySpan<byte> line, RespArgs args)
    {
        var owned = args.Owned;
        var p = 0;
        while (true)
        {
            while (p < line.Length && IsSpace(line[p]))
            {
                p++;
            }
            if (p >= line.Length)
            {
                return true;
            }
            var start = owned.Length;
            var inDouble = false;
            var inSingle = false;
            var done = false;
            while (!done)
            {
                var c = p < line.Length ? line[p] : (byte)0;
                var next = p + 1 < line.Length ? line[p + 1] : (byte)0;
                if (inDouble)
                {
                    if (c == '\\' && next == 'x' && p + 3 < line.Length && HexValue(line[p + 2]) >= 0 && HexValue(line[p + 3]) >= 0)
                    {
                        owned.WriteByte((byte)(HexValue(line[p + 2]) * 16 + HexValue(line[p + 3])));
                        p += 3;
                    }
                    else if (c == '\\' && next != 0)
                    {
                        p++;
                        owned.WriteByte(next switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            _ => next,
                        });
                    }
                    else if (c == '"')
                    {
                        if (next != 0 && !IsSpace(next))
                        {
                            return false;
                        }
                        done = true;
                    }
                    else if (c == 0)
                    {
                        return false;
                    }
                    else
                    {
                        owned.WriteByte(c);
                    }
                }
                else if (inSingle)
                {
                    if (c == '\\' && next == '\'')
                    {
                        p++;
                        owned.WriteByte((byte)'\'');
                    }
                    else if (c == '\'')
                    {
                        if (next != 0 && !IsSpace(next))
                        {
                            return false;
                        }
                        done = true;
                    }
                    else if (c == 0)
                    {
                        return false;
                    }
                    else
                    {
                        owned.WriteByte(c);
                    }
                }
                else
                {
                    switch (c)
                    {
                        case (byte)' ':
                        case (byte)'\n':
                        case (byte)'\r':
                        case (byte)'\t':
                        case 0:
                            done = true;
                            break;
                        case (byte)'"':
                            inDouble = true;
                            break;
                        case (byte)'\'':
                            inSingle = true;
                            break;
                        default:
                            owned.WriteByte(c);
                            break;
                    }
                }
                if (p < line.Length)
                {
                    p++;
                }
            }
            args.Add(start, owned.Length - start);
        }
    }

    /// <summary>redis string2ll: optional '-', no '+', no leading zeros, no spaces, fits in a long.</summary>
    public static bool TryParseLong(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 20)
        {
            return false;
        }
        if (s.Length == 1 && s[0] == (byte)'0')
        {
            return true;
        }
        var negative = s[0] == (byte)'-';
        var p = negative ? 1 : 0;
        if (p >= s.Length || s[p] < (byte)'1' || s[p] > (byte)'9')
        {
            return false;
        }
        ulong v = 0;
        for (; p < s.Length; p++)
        {
            var d = (uint)(s[p] - '0');
            if (d > 9)
            {
                return false;
            }
            if (v > (ulong.MaxValue - d) / 10)
            {
                return false;
            }
            v = v * 10 + d;
        }
        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1)
            {
                return false;
            }
            value = (long)(0 - v);
        }
        else
        {
            if (v > long.MaxValue)
            {
                return false;
            }
            value = (long)v;
        }
        return true;
    }
}
