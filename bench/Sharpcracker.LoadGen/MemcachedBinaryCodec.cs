using System.Buffers.Binary;

namespace Sharpcracker.LoadGen;

/// <summary>
/// memcached binary protocol: one key is a GET (as EnyimMemcachedCore sends it), several keys are
/// GETKQ per key plus a NOOP (as libmemcached sends a multi-get); a set is SET with flags 0 and
/// no expiry. Replies are checked for status, opcode and value.
/// </summary>
public sealed class MemcachedBinaryCodec(KeySpace keys, ValuePattern values) : WireCodec(keys, values)
{
    private const int Header = 24;
    private const byte Get = 0x00, Set = 0x01, Noop = 0x0a, GetKQ = 0x0d;

    public override int MaxRequestSize(int keysPerRead)
        => Math.Max((keysPerRead + 1) * (Header + Keys.MaxKeyLength), Header + 8 + Keys.MaxKeyLength + Values.Size);

    private static void WriteHeader(Span<byte> d, byte opcode, int keyLength, int extrasLength, int bodyLength)
    {
        d[..Header].Clear();
        d[0] = 0x80;
        d[1] = opcode;
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], (ushort)keyLength);
        d[4] = (byte)extrasLength;
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], (uint)bodyLength);
    }

    public override int WriteRead(Span<byte> d, ReadOnlySpan<int> keyIndexes)
    {
        var n = 0;
        var opcode = keyIndexes.Length == 1 ? Get : GetKQ;
        foreach (var k in keyIndexes)
        {
            var keyLength = Keys.WriteKey(k, d[(n + Header)..]);
            WriteHeader(d[n..], opcode, keyLength, 0, keyLength);
            n += Header + keyLength;
        }
        if (keyIndexes.Length > 1)
        {
            WriteHeader(d[n..], Noop, 0, 0, 0);
            n += Header;
        }
        return n;
    }

    public override int WriteSet(Span<byte> d, int keyIndex)
    {
        var keyLength = Keys.WriteKey(keyIndex, d[(Header + 8)..]);
        WriteHeader(d, Set, keyLength, 8, 8 + keyLength + Values.Size);
        d.Slice(Header, 8).Clear(); // flags 0, exptime 0
        Values.Write(keyIndex, d[(Header + 8 + keyLength)..]);
        return Header + 8 + keyLength + Values.Size;
    }

    /// <summary>Length of the complete packet at the start, 0 if incomplete.</summary>
    private static int Packet(ReadOnlySpan<byte> r)
        => r.Length < Header || r.Length < Header + (int)BinaryPrimitives.ReadUInt32BigEndian(r[8..]) ? 0 : Header + (int)BinaryPrimitives.ReadUInt32BigEndian(r[8..]);

    public override int ParseSet(ReadOnlySpan<byte> r, ReplyTally tally)
    {
        var n = Packet(r);
        if (n > 0 && (r[0] != 0x81 || r[1] != Set || BinaryPrimitives.ReadUInt16BigEndian(r[6..]) != 0))
        {
            tally.Error("set reply", r[..n]);
        }
        return n;
    }

    public override int ParseRead(ReadOnlySpan<byte> r, ReadOnlySpan<int> keyIndexes, bool verify, ReplyTally tally)
    {
        if (keyIndexes.Length == 1)
        {
            var n = Packet(r);
            if (n == 0)
            {
                return 0;
            }
            var status = BinaryPrimitives.ReadUInt16BigEndian(r[6..]);
            if (r[0] != 0x81 || r[1] != Get || status is not (0 or 1))
            {
                tally.Error("get reply", r[..n]);
                return r[0] == 0x81 ? n : -1;
            }
            if (status == 1)
            {
                tally.Misses++;
                return n;
            }
            CheckValue(keyIndexes[0], r[(Header + r[4])..n], verify, tally);
            return n;
        }
        var pos = 0;
        var next = 0;
        var hits = 0;
        while (true)
        {
            var n = Packet(r[pos..]);
            if (n == 0)
            {
                return 0;
            }
            var packet = r.Slice(pos, n);
            pos += n;
            if (packet[1] == Noop)
            {
                tally.Misses += keyIndexes.Length - hits;
                return pos;
            }
            if (packet[0] != 0x81 || packet[1] != GetKQ || BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) != 0)
            {
                tally.Error("multi-get reply", packet);
                return -1;
            }
            int keyLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
            var key = packet.Slice(Header + packet[4], keyLength);
            while (next < keyIndexes.Length && !Keys.IsKey(keyIndexes[next], key))
            {
                next++;
            }
            if (next == keyIndexes.Length)
            {
                tally.Error("hit for a key not asked for (or out of order)", packet);
                return -1;
            }
            CheckValue(keyIndexes[next], packet[(Header + packet[4] + keyLength)..], verify, tally);
            next++;
            hits++;
        }
    }
}
