using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Sharpcracker.Hashing;

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

    // floor(abs(sin(i + 1)) * 2^32), RFC 1321 section 3.4. An array rather than a ReadOnlySpan<uint> property:
    // unoptimised (Debug) JIT does not expand RuntimeHelpers.CreateSpan and allocates on every access.
    private static readonly uint[] _roundConstants =
    [
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
        0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
        0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
        0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
        0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
        0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
        0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
        0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
    ];

    private static void Compress(ref uint a0, ref uint b0, ref uint c0, ref uint d0, ReadOnlySpan<byte> block)
    {
        Span<uint> m = stackalloc uint[16];
        for (int i = 0; i < 16; i++)
        {
            m[i] = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(i * 4));
        }

        ReadOnlySpan<uint> k = _roundConstants;
        uint a = a0, b = b0, c = c0, d = d0;

        // Four rounds of 16 steps; each step rotates (a, b, c, d) one position.
        for (int i = 0; i < 16; i += 4)
        {
            a = Step((b & c) | (~b & d), a, b, k[i], m[i], 7);
            d = Step((a & b) | (~a & c), d, a, k[i + 1], m[i + 1], 12);
            c = Step((d & a) | (~d & b), c, d, k[i + 2], m[i + 2], 17);
            b = Step((c & d) | (~c & a), b, c, k[i + 3], m[i + 3], 22);
        }
        for (int i = 16; i < 32; i += 4)
        {
            a = Step((b & d) | (c & ~d), a, b, k[i], m[(5 * i + 1) & 15], 5);
            d = Step((a & c) | (b & ~c), d, a, k[i + 1], m[(5 * i + 6) & 15], 9);
            c = Step((d & b) | (a & ~b), c, d, k[i + 2], m[(5 * i + 11) & 15], 14);
            b = Step((c & a) | (d & ~a), b, c, k[i + 3], m[(5 * i + 16) & 15], 20);
        }
        for (int i = 32; i < 48; i += 4)
        {
            a = Step(b ^ c ^ d, a, b, k[i], m[(3 * i + 5) & 15], 4);
            d = Step(a ^ b ^ c, d, a, k[i + 1], m[(3 * i + 8) & 15], 11);
            c = Step(d ^ a ^ b, c, d, k[i + 2], m[(3 * i + 11) & 15], 16);
            b = Step(c ^ d ^ a, b, c, k[i + 3], m[(3 * i + 14) & 15], 23);
        }
        for (int i = 48; i < 64; i += 4)
        {
            a = Step(c ^ (b | ~d), a, b, k[i], m[(7 * i) & 15], 6);
            d = Step(b ^ (a | ~c), d, a, k[i + 1], m[(7 * i + 7) & 15], 10);
            c = Step(a ^ (d | ~b), c, d, k[i + 2], m[(7 * i + 14) & 15], 15);
            b = Step(d ^ (c | ~a), b, c, k[i + 3], m[(7 * i + 21) & 15], 21);
        }

        a0 += a;
        b0 += b;
        c0 += c;
        d0 += d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Step(uint f, uint a, uint b, uint k, uint m, int s) =>
        b + BitOperations.RotateLeft(a + f + k + m, s);
}
