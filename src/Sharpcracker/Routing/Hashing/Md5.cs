using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Sharpcracker.Routing.Hashing;

/// <summary>
/// One-shot MD5 (RFC 1321) in managed code. Used for the <c>md5</c> key hash and for ketama points.
/// </summary>
/// <remarks>
/// Why not <see cref="System.Security.Cryptography.MD5"/>: on Linux it calls into OpenSSL, which costs a
/// P/Invoke and EVP context setup per call (dominant for short keys) and throws on FIPS-restricted hosts.
/// Here MD5 is a hash for placement, not security. Allocation-free: state lives on the stack; unit tests
/// compare against the BCL implementation.
/// </remarks>
internal static class Md5
{
    public const int DigestSize = 16;

    /// <summary>Little-endian uint32 of digest bytes 0..3, i.e. twemproxy's <c>hash_md5</c>.</summary>
    public static uint HashLow32(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[DigestSize];
        Hash(data, digest);
        return BinaryPrimitives.ReadUInt32LittleEndian(digest);
    }

    /// <summary>Writes the 16-byte MD5 digest of <paramref name="data"/> into <paramref name="digest"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        if (digest.Length < DigestSize)
        {
            throw new ArgumentException("digest needs 16 bytes", nameof(digest));
        }

        uint a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;

        int full = data.Length & ~63;
        for (int off = 0; off < full; off += 64)
        {
            Compress(ref a, ref b, ref c, ref d, data.Slice(off, 64));
        }

        // Padding: 0x80, zeros, then the bit length as little-endian uint64 in the last 8 bytes of the
        // final block. The tail (< 64 bytes) plus 9 bytes of padding needs one or two blocks.
        Span<byte> tail = stackalloc byte[128];
        tail.Clear();
        ReadOnlySpan<byte> rest = data.Slice(full);
        rest.CopyTo(tail);
        tail[rest.Length] = 0x80;
        int tailLength = rest.Length < 56 ? 64 : 128;
        BinaryPrimitives.WriteUInt64LittleEndian(tail.Slice(tailLength - 8), (ulong)data.Length * 8);
        Compress(ref a, ref b, ref c, ref d, tail.Slice(0, 64));
        if (tailLength == 128)
        {
            Compress(ref a, ref b, ref c, ref d, tail.Slice(64, 64));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(digest, a);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.Slice(4), b);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.Slice(8), c);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.Slice(12), d);
    }

    // The 64 steps of RFC 1321 section 3.4, unrolled: constant message indices, shift amounts and
    // T[i] = floor(abs(sin(i + 1)) * 2^32) let the JIT keep everything in registers without bounds checks.
    private static void Compress(ref uint a0, ref uint b0, ref uint c0, ref uint d0, ReadOnlySpan<byte> block)
    {
        block = block.Slice(0, 64);
        uint m0 = BinaryPrimitives.ReadUInt32LittleEndian(block);
        uint m1 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(4));
        uint m2 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(8));
        uint m3 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(12));
        uint m4 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(16));
        uint m5 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(20));
        uint m6 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(24));
        uint m7 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(28));
        uint m8 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(32));
        uint m9 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(36));
        uint m10 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(40));
        uint m11 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(44));
        uint m12 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(48));
        uint m13 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(52));
        uint m14 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(56));
        uint m15 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(60));

        uint a = a0, b = b0, c = c0, d = d0;

        a = F(a, b, c, d, m0, 0xd76aa478, 7);
        d = F(d, a, b, c, m1, 0xe8c7b756, 12);
        c = F(c, d, a, b, m2, 0x242070db, 17);
        b = F(b, c, d, a, m3, 0xc1bdceee, 22);
        a = F(a, b, c, d, m4, 0xf57c0faf, 7);
        d = F(d, a, b, c, m5, 0x4787c62a, 12);
        c = F(c, d, a, b, m6, 0xa8304613, 17);
        b = F(b, c, d, a, m7, 0xfd469501, 22);
        a = F(a, b, c, d, m8, 0x698098d8, 7);
        d = F(d, a, b, c, m9, 0x8b44f7af, 12);
        c = F(c, d, a, b, m10, 0xffff5bb1, 17);
        b = F(b, c, d, a, m11, 0x895cd7be, 22);
        a = F(a, b, c, d, m12, 0x6b901122, 7);
        d = F(d, a, b, c, m13, 0xfd987193, 12);
        c = F(c, d, a, b, m14, 0xa679438e, 17);
        b = F(b, c, d, a, m15, 0x49b40821, 22);

        a = G(a, b, c, d, m1, 0xf61e2562, 5);
        d = G(d, a, b, c, m6, 0xc040b340, 9);
        c = G(c, d, a, b, m11, 0x265e5a51, 14);
        b = G(b, c, d, a, m0, 0xe9b6c7aa, 20);
        a = G(a, b, c, d, m5, 0xd62f105d, 5);
        d = G(d, a, b, c, m10, 0x02441453, 9);
        c = G(c, d, a, b, m15, 0xd8a1e681, 14);
        b = G(b, c, d, a, m4, 0xe7d3fbc8, 20);
        a = G(a, b, c, d, m9, 0x21e1cde6, 5);
        d = G(d, a, b, c, m14, 0xc33707d6, 9);
        c = G(c, d, a, b, m3, 0xf4d50d87, 14);
        b = G(b, c, d, a, m8, 0x455a14ed, 20);
        a = G(a, b, c, d, m13, 0xa9e3e905, 5);
        d = G(d, a, b, c, m2, 0xfcefa3f8, 9);
        c = G(c, d, a, b, m7, 0x676f02d9, 14);
        b = G(b, c, d, a, m12, 0x8d2a4c8a, 20);

        a = H(a, b, c, d, m5, 0xfffa3942, 4);
        d = H(d, a, b, c, m8, 0x8771f681, 11);
        c = H(c, d, a, b, m11, 0x6d9d6122, 16);
        b = H(b, c, d, a, m14, 0xfde5380c, 23);
        a = H(a, b, c, d, m1, 0xa4beea44, 4);
        d = H(d, a, b, c, m4, 0x4bdecfa9, 11);
        c = H(c, d, a, b, m7, 0xf6bb4b60, 16);
        b = H(b, c, d, a, m10, 0xbebfbc70, 23);
        a = H(a, b, c, d, m13, 0x289b7ec6, 4);
        d = H(d, a, b, c, m0, 0xeaa127fa, 11);
        c = H(c, d, a, b, m3, 0xd4ef3085, 16);
        b = H(b, c, d, a, m6, 0x04881d05, 23);
        a = H(a, b, c, d, m9, 0xd9d4d039, 4);
        d = H(d, a, b, c, m12, 0xe6db99e5, 11);
        c = H(c, d, a, b, m15, 0x1fa27cf8, 16);
        b = H(b, c, d, a, m2, 0xc4ac5665, 23);

        a = I(a, b, c, d, m0, 0xf4292244, 6);
        d = I(d, a, b, c, m7, 0x432aff97, 10);
        c = I(c, d, a, b, m14, 0xab9423a7, 15);
        b = I(b, c, d, a, m5, 0xfc93a039, 21);
        a = I(a, b, c, d, m12, 0x655b59c3, 6);
        d = I(d, a, b, c, m3, 0x8f0ccc92, 10);
        c = I(c, d, a, b, m10, 0xffeff47d, 15);
        b = I(b, c, d, a, m1, 0x85845dd1, 21);
        a = I(a, b, c, d, m8, 0x6fa87e4f, 6);
        d = I(d, a, b, c, m15, 0xfe2ce6e0, 10);
        c = I(c, d, a, b, m6, 0xa3014314, 15);
        b = I(b, c, d, a, m13, 0x4e0811a1, 21);
        a = I(a, b, c, d, m4, 0xf7537e82, 6);
        d = I(d, a, b, c, m11, 0xbd3af235, 10);
        c = I(c, d, a, b, m2, 0x2ad7d2bb, 15);
        b = I(b, c, d, a, m9, 0xeb86d391, 21);

        a0 += a;
        b0 += b;
        c0 += c;
        d0 += d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint F(uint a, uint b, uint c, uint d, uint m, uint t, int s) => Step((b & c) | (~b & d), a, b, m, t, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint G(uint a, uint b, uint c, uint d, uint m, uint t, int s) => Step((b & d) | (c & ~d), a, b, m, t, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint H(uint a, uint b, uint c, uint d, uint m, uint t, int s) => Step(b ^ c ^ d, a, b, m, t, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint I(uint a, uint b, uint c, uint d, uint m, uint t, int s) => Step(c ^ (b | ~d), a, b, m, t, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Step(uint f, uint a, uint b, uint m, uint t, int s) =>
        b + BitOperations.RotateLeft(a + f + m + t, s);
}
