using System.Buffers.Binary;
using System.Text;

namespace Sharpcracker.Testing;

/// <summary>memcached binary-protocol packets for tests: building requests, splitting a reply stream.</summary>
public static class BinaryPacket
{
    /// <summary>A request packet: 24-byte header (magic 0x80), then extras, key, value.</summary>
    public static byte[] Request(byte opcode, string key = "", byte[]? extras = null, string value = "", uint opaque = 0, ulong cas = 0,
        int? keyLength = null, int? bodyLength = null, byte magic = 0x80)
        => Request(opcode, Encoding.Latin1.GetBytes(key), extras, Encoding.Latin1.GetBytes(value), opaque, cas, keyLength, bodyLength, magic);

    public static byte[] Request(byte opcode, byte[] key, byte[]? extras, byte[] value, uint opaque = 0, ulong cas = 0,
        int? keyLength = null, int? bodyLength = null, byte magic = 0x80)
    {
        extras ??= [];
        var packet = new byte[24 + extras.Length + key.Length + value.Length];
        packet[0] = magic;
        packet[1] = opcode;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)(keyLength ?? key.Length));
        packet[4] = (byte)extras.Length;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), (uint)(bodyLength ?? extras.Length + key.Length + value.Length));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), opaque);
        BinaryPrimitives.WriteUInt64BigEndian(packet.AsSpan(16), cas);
        extras.CopyTo(packet, 24);
        key.CopyTo(packet, 24 + extras.Length);
        value.CopyTo(packet, 24 + extras.Length + key.Length);
        return packet;
    }

    /// <summary>SET/ADD/REPLACE extras: flags, exptime.</summary>
    public static byte[] StoreExtras(uint flags = 0, uint exptime = 0)
    {
        var e = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(e, flags);
        BinaryPrimitives.WriteUInt32BigEndian(e.AsSpan(4), exptime);
        return e;
    }

    /// <summary>INCR/DECR extras: delta, initial, exptime.</summary>
    public static byte[] CounterExtras(ulong delta, ulong initial = 0, uint exptime = 0)
    {
        var e = new byte[20];
        BinaryPrimitives.WriteUInt64BigEndian(e, delta);
        BinaryPrimitives.WriteUInt64BigEndian(e.AsSpan(8), initial);
        BinaryPrimitives.WriteUInt32BigEndian(e.AsSpan(16), exptime);
        return e;
    }

    /// <summary>TOUCH/GAT/FLUSH extras: one 32-bit exptime.</summary>
    public static byte[] Exptime(uint exptime)
    {
        var e = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(e, exptime);
        return e;
    }

    public static byte[] Concat(params byte[][] packets) => [.. packets.SelectMany(p => p)];

    /// <summary>One response packet's fields.</summary>
    public sealed record Response(byte Magic, byte Opcode, ushort Status, uint Opaque, ulong Cas, byte[] Extras, byte[] Key, byte[] Value)
    {
        public string ValueText => Encoding.Latin1.GetString(Value);
        public string KeyText => Encoding.Latin1.GetString(Key);
    }

    /// <summary>Splits a reply stream into packets; a trailing partial packet is returned as the remainder.</summary>
    public static List<Response> Split(ReadOnlySpan<byte> stream, out int remainder)
    {
        var list = new List<Response>();
        while (stream.Length >= 24)
        {
            var body = (int)BinaryPrimitives.ReadUInt32BigEndian(stream[8..]);
            if (stream.Length < 24 + body)
            {
                break;
            }
            int keyLength = BinaryPrimitives.ReadUInt16BigEndian(stream[2..]);
            int extrasLength = stream[4];
            list.Add(new Response(stream[0], stream[1], BinaryPrimitives.ReadUInt16BigEndian(stream[6..]),
                BinaryPrimitives.ReadUInt32BigEndian(stream[12..]), BinaryPrimitives.ReadUInt64BigEndian(stream[16..]),
                stream.Slice(24, extrasLength).ToArray(), stream.Slice(24 + extrasLength, keyLength).ToArray(),
                stream[(24 + extrasLength + keyLength)..(24 + body)].ToArray()));
            stream = stream[(24 + body)..];
        }
        remainder = stream.Length;
        return list;
    }

    /// <summary>The stream with every response's cas zeroed (cas values are per server).</summary>
    public static byte[] WithoutCas(byte[] stream)
    {
        var copy = (byte[])stream.Clone();
        var at = 0;
        while (copy.Length - at >= 24)
        {
            copy.AsSpan(at + 16, 8).Clear();
            at += 24 + (int)BinaryPrimitives.ReadUInt32BigEndian(copy.AsSpan(at + 8));
        }
        return copy;
    }

    /// <summary>Reads packets from a connection until one with <paramref name="opcode"/> arrives (the batch terminator).</summary>
    public static async Task<List<Response>> ReadUntilAsync(McConnection connection, byte opcode)
    {
        var list = new List<Response>();
        while (true)
        {
            var header = await connection.ReadExactlyAsync(24);
            var body = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
            var bytes = body > 0 ? Concat(header, await connection.ReadExactlyAsync(body)) : header;
            var packet = Split(bytes, out _)[0];
            list.Add(packet);
            if (packet.Opcode == opcode)
            {
                return list;
            }
        }
    }
}
