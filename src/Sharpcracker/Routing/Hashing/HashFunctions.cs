using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sharpcracker.Routing.Hashing;

/// <summary>
/// The twelve twemproxy 0.5.0 key hashes, bit-exact on x86-64 Linux (where <c>char</c> is signed).
/// </summary>
/// <remarks>
/// Quirk convention: twemproxy passes keys as <c>const char*</c>. Where its code widens a key byte
/// directly, bytes &gt;= 0x80 are sign-extended; we reproduce that with <c>(uint)(sbyte)b</c> (or
/// <c>(ulong)(long)(sbyte)b</c> for 64-bit arithmetic). Where it reads through an unsigned pointer or
/// masks with 0xff, bytes are unsigned. Each function notes which applies.
/// All functions are pure, allocation-free and accept an empty key (returning the raw function value;
/// the "empty key hashes to 0" rule belongs to routing, see <c>KeyRouter</c>).
/// </remarks>
internal static class HashFunctions
{
    /// <summary>Jenkins one-at-a-time; bytes sign-extended.</summary>
    public static uint OneAtATime(ReadOnlySpan<byte> key)
    {
        uint value = 0;
        foreach (byte b in key)
        {
            value += (uint)(sbyte)b;
            value += value << 10;
            value ^= value >> 6;
        }
        value += value << 3;
        value ^= value >> 11;
        value += value << 15;
        return value;
    }

    /// <summary>
    /// CRC-16/XMODEM table walk with a uint32 accumulator that is never masked to 16 bits: the bits shifted
    /// above bit 15 stay in the result (twemproxy quirk). The sign extension of the byte is masked away.
    /// </summary>
    public static uint Crc16(ReadOnlySpan<byte> key)
    {
        ushort[] table = CrcTables.Crc16Xmodem;
        uint crc = 0;
        foreach (byte b in key)
        {
            crc = (crc << 8) ^ table[((crc >> 8) ^ b) & 0xff];
        }
        return crc;
    }

    /// <summary>
    /// The 16-bit CRC-16/XMODEM of the key (Redis Cluster's key hash; equal to
    /// <c>Crc16(key) &amp; 0xffff</c>), eight bytes per step: the table loads of a step do not wait
    /// on each other, so a 16-byte key costs two dependent steps instead of sixteen.
    /// </summary>
    public static ushort Crc16Xmodem(ReadOnlySpan<byte> key)
    {
        var t = CrcTables.Crc16XmodemSlices;
        ushort[] t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3], t4 = t[4], t5 = t[5], t6 = t[6], t7 = t[7];
        uint crc = 0;
        while (key.Length >= 8)
        {
            crc = (uint)(t7[(byte)((crc >> 8) ^ key[0])] ^ t6[(byte)(crc ^ key[1])] ^ t5[key[2]] ^ t4[key[3]]
                ^ t3[key[4]] ^ t2[key[5]] ^ t1[key[6]] ^ t0[key[7]]);
            key = key[8..];
        }
        foreach (var b in key)
        {
            crc = ((crc << 8) & 0xffff) ^ t0[(byte)((crc >> 8) ^ b)];
        }
        return (ushort)crc;
    }

    /// <summary>Standard CRC-32 value (as zlib) with libmemcached's folding: bits 16..30 of the CRC.</summary>
    public static uint Crc32(ReadOnlySpan<byte> key) => (Crc32a(key) >> 16) & 0x7fff;

    /// <summary>Standard reflected CRC-32 (init ~0, final xor ~0), identical to zlib's crc32.</summary>
    public static uint Crc32a(ReadOnlySpan<byte> key)
    {
        uint[] table = CrcTables.Crc32Reflected;
        uint crc = ~0u;
        foreach (byte b in key)
        {
            crc = table[(crc ^ b) & 0xff] ^ (crc >> 8);
        }
        return ~crc;
    }

    /// <summary>True 64-bit FNV-1 (multiply, then xor the sign-extended byte); the low 32 bits.</summary>
    public static uint Fnv1_64(ReadOnlySpan<byte> key)
    {
        ulong hash = 0xcbf29ce484222325UL;
        foreach (byte b in key)
        {
            hash *= 0x100000001b3UL;
            hash ^= (ulong)(long)(sbyte)b;
        }
        return (uint)hash;
    }

    /// <summary>
    /// twemproxy's "fnv1a_64": NOT 64-bit. The 64-bit offset basis and prime are truncated to 32 bits
    /// (0x84222325, 0x1b3) and the arithmetic is 32-bit. Bytes sign-extended.
    /// </summary>
    public static uint Fnv1a_64(ReadOnlySpan<byte> key)
    {
        uint hash = 0x84222325u;
        foreach (byte b in key)
        {
            hash ^= (uint)(sbyte)b;
            hash *= 0x1b3u;
        }
        return hash;
    }

    /// <summary>32-bit FNV-1; bytes sign-extended.</summary>
    public static uint Fnv1_32(ReadOnlySpan<byte> key)
    {
        uint hash = 2166136261u;
        foreach (byte b in key)
        {
            hash *= 16777619u;
            hash ^= (uint)(sbyte)b;
        }
        return hash;
    }

    /// <summary>32-bit FNV-1a; bytes sign-extended.</summary>
    public static uint Fnv1a_32(ReadOnlySpan<byte> key)
    {
        uint hash = 2166136261u;
        foreach (byte b in key)
        {
            hash ^= (uint)(sbyte)b;
            hash *= 16777619u;
        }
        return hash;
    }

    /// <summary>
    /// Paul Hsieh's SuperFastHash as twemproxy has it: initial hash 0 (not the length), unsigned
    /// little-endian 16-bit reads, unsigned 1-byte tail, but the third byte of a 3-byte tail is
    /// sign-extended before the shift by 18.
    /// </summary>
    public static uint Hsieh(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            return 0;
        }

        uint hash = 0;
        int blocks = key.Length >> 2;
        int rem = key.Length & 3;
        int p = 0;
        for (int i = 0; i < blocks; i++, p += 4)
        {
            hash += BinaryPrimitives.ReadUInt16LittleEndian(key.Slice(p));
            uint tmp = ((uint)BinaryPrimitives.ReadUInt16LittleEndian(key.Slice(p + 2)) << 11) ^ hash;
            hash = (hash << 16) ^ tmp;
            hash += hash >> 11;
        }

        switch (rem)
        {
            case 3:
                hash += BinaryPrimitives.ReadUInt16LittleEndian(key.Slice(p));
                hash ^= hash << 16;
                hash ^= (uint)(sbyte)key[p + 2] << 18;
                hash += hash >> 11;
                break;
            case 2:
                hash += BinaryPrimitives.ReadUInt16LittleEndian(key.Slice(p));
                hash ^= hash << 11;
                hash += hash >> 17;
                break;
            case 1:
                hash += key[p];
                hash ^= hash << 10;
                hash += hash >> 1;
                break;
        }

        hash ^= hash << 3;
        hash += hash >> 5;
        hash ^= hash << 4;
        hash += hash >> 17;
        hash ^= hash << 25;
        hash += hash >> 6;
        return hash;
    }

    /// <summary>
    /// MurmurHash2 (m = 0x5bd1e995, r = 24) with twemproxy's seed: h = (0xdeadbeef * len) ^ len.
    /// Unsigned bytes, little-endian 32-bit reads.
    /// </summary>
    public static uint Murmur(ReadOnlySpan<byte> key)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        uint length = (uint)key.Length;
        uint h = (0xdeadbeefu * length) ^ length;

        int p = 0;
        int end = key.Length & ~3;
        ref byte start = ref MemoryMarshal.GetReference(key);
        for (; p < end; p += 4)
        {
            // In bounds: p + 4 <= end <= key.Length.
            uint k = ReadLe32(ref start, p);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }

        switch (key.Length - p)
        {
            case 3:
                h ^= (uint)key[p + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)key[p + 1] << 8;
                goto case 1;
            case 1:
                h ^= key[p];
                h *= m;
                break;
        }

        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return h;
    }

    /// <summary>
    /// Bob Jenkins' lookup3 <c>hashlittle</c> with initval 13 (a = b = c = 0xdeadbeef + len + 13), returning c.
    /// Unsigned bytes, little-endian words (all of twemproxy's alignment-specific paths agree on x86-64).
    /// An empty key returns the initial c without mixing.
    /// </summary>
    public static uint Jenkins(ReadOnlySpan<byte> key)
    {
        uint a, b, c;
        a = b = c = 0xdeadbeefu + (uint)key.Length + 13u;

        int length = key.Length;
        ref byte start = ref MemoryMarshal.GetReference(key);
        int p = 0;
        while (length > 12)
        {
            // In bounds: p + 12 < key.Length.
            a += ReadLe32(ref start, p);
            b += ReadLe32(ref start, p + 4);
            c += ReadLe32(ref start, p + 8);
            Mix(ref a, ref b, ref c);
            length -= 12;
            p += 12;
        }

        if (length == 0)
        {
            return c;
        }

        // Last block of 1..12 bytes: lookup3 adds each byte at its little-endian position, which is the
        // same as adding the zero-padded little-endian words.
        Span<byte> last = stackalloc byte[12];
        last.Clear();
        key.Slice(p, length).CopyTo(last);
        a += BinaryPrimitives.ReadUInt32LittleEndian(last);
        b += BinaryPrimitives.ReadUInt32LittleEndian(last.Slice(4));
        c += BinaryPrimitives.ReadUInt32LittleEndian(last.Slice(8));
        Final(ref a, ref b, ref c);
        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ReadLe32(ref byte start, int offset)
    {
        uint v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, offset));
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Rot(uint x, int k) => (x << k) | (x >> (32 - k));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= c; a ^= Rot(c, 4); c += b;
        b -= a; b ^= Rot(a, 6); a += c;
        c -= b; c ^= Rot(b, 8); b += a;
        a -= c; a ^= Rot(c, 16); c += b;
        b -= a; b ^= Rot(a, 19); a += c;
        c -= b; c ^= Rot(b, 4); b += a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Final(ref uint a, ref uint b, ref uint c)
    {
        c ^= b; c -= Rot(b, 14);
        a ^= c; a -= Rot(c, 11);
        b ^= a; b -= Rot(a, 25);
        c ^= b; c -= Rot(b, 16);
        a ^= c; a -= Rot(c, 4);
        b ^= a; b -= Rot(a, 14);
        c ^= b; c -= Rot(b, 24);
    }
}
