using Sharpcracker.Common;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// The RESP arrays of pub/sub: reading what a subscription connection receives (RESP2:
/// <c>*3 message channel payload</c>, <c>*4 pmessage pattern channel payload</c>, confirmations),
/// writing the commands it sends and the confirmations a client gets.
/// </summary>
internal static class PubSubFrames
{
    /// <summary>The verb of each kind's subscribe (index 0) and unsubscribe (1), as the server names them in replies.</summary>
    private static readonly byte[][][] s_verbs =
    [
        ["subscribe"u8.ToArray(), "unsubscribe"u8.ToArray()],
        ["psubscribe"u8.ToArray(), "punsubscribe"u8.ToArray()],
        ["ssubscribe"u8.ToArray(), "sunsubscribe"u8.ToArray()],
    ];

    public static ReadOnlySpan<byte> Verb(PubSubKind kind, bool subscribe) => s_verbs[(int)kind][subscribe ? 0 : 1];

    /// <summary>
    /// An array frame's element count, first element (the kind word) and the next two bulk
    /// strings (empty where absent or not a bulk string). False for anything but an array of bulk strings first.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> frame, out int count, out ReadOnlySpan<byte> kind, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
    {
        kind = first = second = default;
        count = 0;
        if (frame.Length < 4 || frame[0] is not ((byte)'*' or (byte)'>'))
        {
            return false;
        }
        var pos = 0;
        if (!TryLine(frame, ref pos, out var header) || !RespRequestParser.TryParseLong(header[1..], out var n) || n < 1)
        {
            return false;
        }
        count = (int)n;
        if (!TryBulk(frame, ref pos, out kind))
        {
            return false;
        }
        if (n > 1 && TryBulk(frame, ref pos, out first) && n > 2)
        {
            TryBulk(frame, ref pos, out second);
        }
        return true;
    }

    private static bool TryLine(ReadOnlySpan<byte> frame, scoped ref int pos, out ReadOnlySpan<byte> line)
    {
        line = default;
        var nl = frame[pos..].IndexOf("\r\n"u8);
        if (nl < 1)
        {
            return false;
        }
        line = frame.Slice(pos, nl);
        pos += nl + 2;
        return true;
    }

    private static bool TryBulk(ReadOnlySpan<byte> frame, scoped ref int pos, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (pos >= frame.Length || frame[pos] != (byte)'$')
        {
            return false;
        }
        if (!TryLine(frame, ref pos, out var header) || !RespRequestParser.TryParseLong(header[1..], out var length) || length < 0 || pos + length + 2 > frame.Length)
        {
            return false;
        }
        value = frame.Slice(pos, (int)length);
        pos += (int)length + 2;
        return true;
    }

    /// <summary>A one-argument command (<c>SUBSCRIBE name</c>): one confirmation (or error) frame comes back per command.</summary>
    public static void WriteCommand(ByteBuffer output, ReadOnlySpan<byte> verb, ReadOnlySpan<byte> name)
    {
        output.Write("*2\r\n"u8);
        RedisReplies.WriteBulk(output, verb);
        RedisReplies.WriteBulk(output, name);
    }

    /// <summary>A client's confirmation: <c>[verb, name, count]</c>, a RESP3 push or a RESP2 array; a null name for an UNSUBSCRIBE of nothing.</summary>
    public static void WriteConfirmation(ByteBuffer output, bool resp3, ReadOnlySpan<byte> verb, ReadOnlySpan<byte> name, bool nullName, int count)
    {
        output.Write(resp3 ? ">3\r\n"u8 : "*3\r\n"u8);
        RedisReplies.WriteBulk(output, verb);
        if (nullName)
        {
            output.Write(resp3 ? "_\r\n"u8 : RedisReplies.NullBulk);
        }
        else
        {
            RedisReplies.WriteBulk(output, name);
        }
        RedisReplies.WriteInteger(output, ':', count);
    }
}
