using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Sharpcracker.Common;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// A warm-up route's fill: the <c>add</c> that puts a warm hit into cold, with the item's flags
/// and the route's fill TTL. <c>add</c>, not <c>set</c>: a value a client wrote to cold since the
/// miss is newer and must win.
/// </summary>
internal static class McFill
{
    /// <summary>Writes the add for <paramref name="reply"/> (a text VALUE…END or a binary GET/GETK hit) into <paramref name="output"/>; false when the reply is not one.</summary>
    public static bool TryWrite(ByteBuffer output, ReadOnlySpan<byte> key, ReadOnlySpan<byte> reply, int ttl, bool binary)
        => binary ? TryWriteBinary(output, key, reply, ttl) : TryWriteText(output, key, reply, ttl);

    private static bool TryWriteText(ByteBuffer output, ReadOnlySpan<byte> key, ReadOnlySpan<byte> reply, int ttl)
    {
        if (!reply.StartsWith("VALUE "u8))
        {
            return false;
        }
        var nl = reply.IndexOf((byte)'\n');
        var header = reply[..nl];
        if (!McReplyFramer.TryParseValueHeader(header, out var replyKey, out var bytes) || !replyKey.SequenceEqual(key))
        {
            return false;
        }
        // VALUE <key> <flags> <bytes>[ <cas>]\r
        var afterKey = header[(6 + replyKey.Length + 1)..];
        var flags = afterKey[..afterKey.IndexOf((byte)' ')];
        output.Write("add "u8);
        output.Write(key);
        output.WriteByte((byte)' ');
        output.Write(flags);
        output.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $" {ttl} {bytes}\r\n")));
        output.Write(reply.Slice(nl + 1, bytes + 2));
        return true;
    }

    private static bool TryWriteBinary(ByteBuffer output, ReadOnlySpan<byte> key, ReadOnlySpan<byte> reply, int ttl)
    {
        if (reply.Length < McBinary.HeaderLength + 4 || McBinary.Status(reply) != McBinary.Success || reply[4] < 4)
        {
            return false;
        }
        int extras = reply[4];
        int replyKeyLength = BinaryPrimitives.ReadUInt16BigEndian(reply[2..]);
        var body = (int)BinaryPrimitives.ReadUInt32BigEndian(reply[8..]);
        var flags = reply.Slice(McBinary.HeaderLength, 4);
        var value = reply.Slice(McBinary.HeaderLength + extras + replyKeyLength, body - extras - replyKeyLength);
        var span = output.GetSpan(McBinary.HeaderLength + 8);
        span[0] = McBinary.RequestMagic;
        span[1] = McBinary.Add;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)key.Length);
        span[4] = 8;
        span[5] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)(8 + key.Length + value.Length));
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], 0);
        BinaryPrimitives.WriteUInt64BigEndian(span[16..], 0);
        flags.CopyTo(span[McBinary.HeaderLength..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[(McBinary.HeaderLength + 4)..], (uint)ttl);
        output.Advance(McBinary.HeaderLength + 8);
        output.Write(key);
        output.Write(value);
        return true;
    }
}
