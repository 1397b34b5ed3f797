using System.Text;

namespace Sharpcracker.Redis;

/// <summary>
/// One complete RESP2 reply as a tree, for the proxy's own control traffic (CLUSTER SLOTS), never
/// for client traffic: integers as <see cref="long"/>, simple and bulk strings as <see cref="string"/>
/// (UTF-8), errors as <see cref="RespError"/>, nil as null, arrays as <c>object?[]</c>.
/// </summary>
internal static class RespValue
{
    /// <summary>The reply at the start of <paramref name="data"/> (framed by <see cref="RespReplyFramer"/> first).</summary>
    /// <exception cref="FormatException">Not a well-formed reply.</exception>
    public static object? Parse(ReadOnlySpan<byte> data)
    {
        var pos = 0;
        return Read(data, ref pos);
    }

    private static object? Read(ReadOnlySpan<byte> data, ref int pos)
    {
        var nl = data[pos..].IndexOf("\r\n"u8);
        if (nl < 1)
        {
            throw new FormatException("truncated reply");
        }
        var type = data[pos];
        var line = data.Slice(pos + 1, nl - 1);
        pos += nl + 2;
        switch (type)
        {
            case (byte)'+':
                return Encoding.UTF8.GetString(line);
            case (byte)'-':
                return new RespError(Encoding.UTF8.GetString(line));
            case (byte)':':
                return RespRequestParser.TryParseLong(line, out var n) ? n : throw new FormatException("bad integer");
            case (byte)'$':
                {
                    if (!RespRequestParser.TryParseLong(line, out var length) || length < -1 || pos + length + 2 > data.Length)
                    {
                        throw new FormatException("bad bulk length");
                    }
                    if (length < 0)
                    {
                        return null;
                    }
                    var text = Encoding.UTF8.GetString(data.Slice(pos, (int)length));
                    pos += (int)length + 2;
                    return text;
                }
            case (byte)'*':
                {
                    if (!RespRequestParser.TryParseLong(line, out var count) || count < -1 || count > data.Length)
                    {
                        throw new FormatException("bad array length");
                    }
                    if (count < 0)
                    {
                        return null;
                    }
                    var items = new object?[count];
                    for (var i = 0; i < count; i++)
                    {
                        items[i] = Read(data, ref pos);
                    }
                    return items;
                }
            default:
                throw new FormatException($"unknown reply type '{(char)type}'");
        }
    }
}

/// <summary>An error reply (its text without the leading '-').</summary>
internal sealed record RespError(string Text);
