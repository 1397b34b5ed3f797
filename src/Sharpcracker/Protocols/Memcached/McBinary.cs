using System.Buffers.Binary;
using Sharpcracker.Common;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// The memcached binary protocol's constants and packet writer (memcached 1.6.18,
/// ../shared/reference/binary.md). A packet is a 24-byte big-endian header (magic, opcode, key
/// length, extras length, datatype, vbucket or status, body length, opaque, cas) followed by
/// extras, key and value. Protocol code only: no sockets.
/// </summary>
internal static class McBinary
{
    public const int HeaderLength = 24;
    public const byte RequestMagic = 0x80;
    public const byte ResponseMagic = 0x81;
    /// <summary>memcached's KEY_MAX_LENGTH: a longer binary key is a protocol error.</summary>
    public const int KeyMaxLength = 250;

    public const byte Get = 0x00;
    public const byte Set = 0x01;
    public const byte Add = 0x02;
    public const byte Replace = 0x03;
    public const byte Delete = 0x04;
    public const byte Increment = 0x05;
    public const byte Decrement = 0x06;
    public const byte Quit = 0x07;
    public const byte Flush = 0x08;
    public const byte GetQ = 0x09;
    public const byte Noop = 0x0a;
    public const byte Version = 0x0b;
    public const byte GetK = 0x0c;
    public const byte GetKQ = 0x0d;
    public const byte Append = 0x0e;
    public const byte Prepend = 0x0f;
    public const byte Stat = 0x10;
    public const byte SetQ = 0x11;
    public const byte AddQ = 0x12;
    public const byte ReplaceQ = 0x13;
    public const byte DeleteQ = 0x14;
    public const byte IncrementQ = 0x15;
    public const byte DecrementQ = 0x16;
    public const byte QuitQ = 0x17;
    public const byte FlushQ = 0x18;
    public const byte AppendQ = 0x19;
    public const byte PrependQ = 0x1a;
    public const byte Touch = 0x1c;
    public const byte Gat = 0x1d;
    public const byte GatQ = 0x1e;
    public const byte SaslListMechs = 0x20;
    public const byte SaslAuth = 0x21;
    public const byte SaslStep = 0x22;
    public const byte GatK = 0x23;
    public const byte GatKQ = 0x24;

    public const ushort Success = 0x0000;
    public const ushort KeyNotFound = 0x0001;
    public const ushort KeyExists = 0x0002;
    public const ushort TooLarge = 0x0003;
    public const ushort InvalidArguments = 0x0004;
    public const ushort NotStored = 0x0005;
    public const ushort AuthError = 0x0020;
    public const ushort UnknownCommand = 0x0081;
    /// <summary>memcached's "Not supported"; the proxy's refusal of a per-server listing (STAT settings, items …), with its own text.</summary>
    public const ushort NotSupported = 0x0083;
    /// <summary>Not sent by memcached itself: the proxy's status for a request that no server answered (docs/compatibility.md).</summary>
    public const ushort InternalError = 0x0084;

    /// <summary>
    /// The opcode memcached handles a quiet opcode as (dispatch_bin_command): the proxy forwards
    /// this one, so every forwarded request gets exactly one reply, and restores the client's
    /// opcode in what it shows. Other opcodes map to themselves.
    /// </summary>
    public static byte Loud(byte opcode) => opcode switch
    {
        SetQ => Set,
        AddQ => Add,
        ReplaceQ => Replace,
        DeleteQ => Delete,
        IncrementQ => Increment,
        DecrementQ => Decrement,
        QuitQ => Quit,
        FlushQ => Flush,
        AppendQ => Append,
        PrependQ => Prepend,
        GetQ => Get,
        GetKQ => GetK,
        GatQ => Gat,
        GatKQ => GatK,
        _ => opcode,
    };

    /// <summary>Quiet gets hide a miss; other quiet commands hide success.</summary>
    public static bool IsQuietGet(byte opcode) => opcode is GetQ or GetKQ or GatQ or GatKQ;

    /// <summary>memcached's write_bin_error texts.</summary>
    public static ReadOnlySpan<byte> ErrorText(ushort status) => status switch
    {
        KeyNotFound => "Not found"u8,
        KeyExists => "Data exists for key."u8,
        TooLarge => "Too large."u8,
        InvalidArguments => "Invalid arguments"u8,
        NotStored => "Not stored."u8,
        AuthError => "Auth failure."u8,
        UnknownCommand => "Unknown command"u8,
        NotSupported => "Not supported by proxy"u8, // the text protocol's "SERVER_ERROR not supported by proxy"
        _ => "Internal error"u8,
    };

    /// <summary>
    /// The group a STAT key belongs to, checked as memcached's process_bin_stat checks it:
    /// "reset", "settings" and "detail" by prefix (strncmp), in that order, then the exact names
    /// of get_stats.
    /// </summary>
    public static McBinaryStatGroup StatGroup(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            return McBinaryStatGroup.Own;
        }
        if (key.StartsWith("reset"u8))
        {
            return McBinaryStatGroup.ToEveryServer;
        }
        if (key.StartsWith("settings"u8))
        {
            return McBinaryStatGroup.NotSupported;
        }
        if (key.StartsWith("detail"u8))
        {
            var mode = key[6..];
            return mode.StartsWith(" dump"u8) ? McBinaryStatGroup.NotSupported
                : mode.StartsWith(" on"u8) || mode.StartsWith(" off"u8) ? McBinaryStatGroup.ToEveryServer
                : McBinaryStatGroup.Unknown;
        }
        return key.SequenceEqual("items"u8) || key.SequenceEqual("slabs"u8) || key.SequenceEqual("sizes"u8)
            || key.SequenceEqual("sizes_enable"u8) || key.SequenceEqual("sizes_disable"u8)
            ? McBinaryStatGroup.NotSupported
            : McBinaryStatGroup.Unknown;
    }

    public static ushort Status(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);

    public static int BodyLength(ReadOnlySpan<byte> packet) => (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(packet[8..]), int.MaxValue);

    /// <summary>The opaque as the client sent it (memcached echoes the four bytes; never interpreted).</summary>
    public static uint Opaque(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt32BigEndian(packet[12..]);

    /// <summary>
    /// Length of the complete response packet at the start of <paramref name="data"/>, 0 when more
    /// bytes are needed, -1 when it is not the response to <paramref name="opcode"/> (a desync).
    /// </summary>
    public static int FrameReply(ReadOnlySpan<byte> data, byte opcode)
    {
        if (data.Length < HeaderLength)
        {
            return 0;
        }
        if (data[0] != ResponseMagic || data[1] != opcode)
        {
            return -1;
        }
        var total = (long)HeaderLength + BinaryPrimitives.ReadUInt32BigEndian(data[8..]);
        if (total > int.MaxValue)
        {
            return -1;
        }
        return data.Length < total ? 0 : (int)total;
    }

    /// <summary>Writes a response header; the body (extras, key, value) follows.</summary>
    public static void WriteHeader(ByteBuffer output, byte opcode, ushort status, byte extrasLength, ushort keyLength, int bodyLength, uint opaque, ulong cas)
    {
        var span = output.GetSpan(HeaderLength);
        span[0] = ResponseMagic;
        span[1] = opcode;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], keyLength);
        span[4] = extrasLength;
        span[5] = 0; // datatype: memcached always writes raw bytes
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], status);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)bodyLength);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], opaque);
        BinaryPrimitives.WriteUInt64BigEndian(span[16..], cas);
        output.Advance(HeaderLength);
    }

    /// <summary>A reply with an empty body and cas 0 (noop, quit, flush, quiet-free successes).</summary>
    public static void WriteEmpty(ByteBuffer output, byte opcode, uint opaque)
        => WriteHeader(output, opcode, Success, 0, 0, 0, opaque, 0);

    /// <summary>An error reply as write_bin_error writes it: no extras, no key, cas 0, the text as the value.</summary>
    public static void WriteError(ByteBuffer output, byte opcode, uint opaque, ushort status, ReadOnlySpan<byte> text)
    {
        WriteHeader(output, opcode, status, 0, 0, text.Length, opaque, 0);
        output.Write(text);
    }

    public static void WriteError(ByteBuffer output, byte opcode, uint opaque, ushort status)
        => WriteError(output, opcode, opaque, status, ErrorText(status));

    /// <summary>A success reply whose value is <paramref name="value"/> (version, SASL, one stat).</summary>
    public static void WriteValue(ByteBuffer output, byte opcode, uint opaque, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        WriteHeader(output, opcode, Success, 0, (ushort)key.Length, key.Length + value.Length, opaque, 0);
        output.Write(key);
        output.Write(value);
    }
}
