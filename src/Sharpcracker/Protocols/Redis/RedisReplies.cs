using System.Buffers.Text;
using System.Diagnostics;
using System.Text;
using Sharpcracker.Common;

namespace Sharpcracker.Protocols.Redis;

/// <summary>RESP2 reply texts and writers shared by the Redis session.</summary>
internal static class RedisReplies
{
    /// <summary>The Redis version whose command table and error texts the proxy implements (reported by HELLO and INFO).</summary>
    public const string CompatibleRedisVersion = "7.0.15";

    public static ReadOnlySpan<byte> Ok => "+OK\r\n"u8;
    public static ReadOnlySpan<byte> Pong => "+PONG\r\n"u8;
    public static ReadOnlySpan<byte> Crlf => "\r\n"u8;
    public static ReadOnlySpan<byte> NullBulk => "$-1\r\n"u8;
    public static ReadOnlySpan<byte> NoAuth => "-NOAUTH Authentication required.\r\n"u8;
    public static ReadOnlySpan<byte> WrongPass => "-WRONGPASS invalid username-password pair or user is disabled.\r\n"u8;
    public static ReadOnlySpan<byte> NoServer => "-ERR no server available\r\n"u8;

    public static void WriteInteger(ByteBuffer output, char prefix, long value)
    {
        output.WriteByte((byte)prefix);
        var span = output.GetSpan(24);
        Utf8Formatter.TryFormat(value, span, out var n);
        output.Advance(n);
        output.Write(Crlf);
    }

    public static void WriteBulk(ByteBuffer output, ReadOnlySpan<byte> value)
    {
        WriteInteger(output, '$', value.Length);
        output.Write(value);
        output.Write(Crlf);
    }

    public static void WriteBulk(ByteBuffer output, string value) => WriteBulk(output, Encoding.UTF8.GetBytes(value));

    /// <summary>"-ERR text\r\n", with CR and LF in the text turned into spaces as redis-server does.</summary>
    public static void WriteError(ByteBuffer output, string text, string prefix = "ERR ")
    {
        output.WriteByte((byte)'-');
        var bytes = Encoding.UTF8.GetBytes(prefix + text);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] is (byte)'\r' or (byte)'\n')
            {
                bytes[i] = (byte)' ';
            }
        }
        output.Write(bytes);
        output.Write(Crlf);
    }

    /// <summary>
    /// "-ERR text\r\n" for a <see cref="RespRequestParser"/> error, whose text is Latin-1: one char
    /// per byte, so the byte a client sent where redis-server expected '$' comes back as that one
    /// byte, as redis-server's '%c' writes it (found by fuzzing: UTF-8 made two bytes of 0x80-0xFF).
    /// CR and LF become spaces, as in <see cref="WriteError"/>.
    /// </summary>
    public static void WriteProtocolError(ByteBuffer output, string text)
    {
        Debug.Assert(text.All(c => c <= '\u00ff'), "a parser error is Latin-1");
        output.Write("-ERR "u8);
        var span = output.GetSpan(text.Length + 2);
        var n = Encoding.Latin1.GetBytes(text, span);
        for (var i = 0; i < n; i++)
        {
            if (span[i] is (byte)'\r' or (byte)'\n')
            {
                span[i] = (byte)' ';
            }
        }
        span[n] = (byte)'\r';
        span[n + 1] = (byte)'\n';
        output.Advance(n + 2);
    }
}
