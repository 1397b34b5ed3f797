using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Routing;

/// <summary>
/// twemproxy's ketama continuum (nc_ketama.c behaviour), immutable once built.
/// </summary>
/// <remarks>
/// Invariants: <c>Points</c> is sorted ascending; <c>Servers[i]</c> is the ServerIndex owning <c>Points[i]</c>;
/// among equal points the member that came first in the member list comes first (twemproxy sorts with glibc
/// qsort, which is a stable merge sort, over points inserted in member order). Both arrays are never written
/// after construction, so concurrent lookups need no locking.
/// </remarks>
internal sealed class KetamaContinuum
{
    /// <summary>Points per server at equal weight (40 MD5 digests x 4 points).</summary>
    internal const int PointsPerServer = 160;

    /// <summary>Points taken from one MD5 digest.</summary>
    internal const int PointsPerHash = 4;

    /// <summary>twemproxy formats <c>"%.*s-%u"</c> into a 273-byte buffer: at most 272 bytes are hashed.</summary>
    internal const int MaxPointNameLength = 272;

    private readonly uint[] _points;
    private readonly int[] _servers;

    private KetamaContinuum(uint[] points, int[] servers)
    {
        _points = points;
        _servers = servers;
    }

    internal ReadOnlySpan<uint> Points => _points;

    internal ReadOnlySpan<int> Servers => _servers;

    /// <summary>
    /// Points for one member, computed in single precision exactly like twemproxy:
    /// <c>(uint32)(floorf((float)(pct * 160 / 4 * (float)n + 0.0000000001)) * 4)</c> with
    /// <c>pct = (float)weight / (float)total</c>. The explicit casts force float rounding at each step.
    /// </summary>
    internal static int PointsFor(int weight, long totalWeight, int liveCount)
    {
        float pct = (float)weight / (float)totalWeight;
        float scaled = (float)((float)(pct * (float)PointsPerServer) / 4f);
        scaled = (float)(scaled * (float)liveCount);
        // The epsilon is a double in C, so the sum is computed in double and converted back to float.
        float nudged = (float)((double)scaled + 0.0000000001);
        return (int)(uint)((float)MathF.Floor(nudged) * (float)PointsPerHash);
    }

    /// <summary>Builds the continuum for <paramref name="members"/> (live members, server index order).</summary>
    internal static KetamaContinuum Build(IReadOnlyList<ContinuumMember> members, long totalWeight)
    {
        int n = members.Count;
        var perMember = new int[n];
        long total = 0;
        for (int m = 0; m < n; m++)
        {
            perMember[m] = PointsFor(members[m].Weight, totalWeight, n);
            total += perMember[m];
        }

        // Sort key: point value in the high 32 bits, member ordinal in the low 32 bits. Sorting these
        // (unique up to same-member duplicates, which map to the same server) yields the same server sequence
        // as a stable sort of points inserted in member order.
        var keys = new ulong[total];
        int next = 0;
        Span<byte> digest = stackalloc byte[Md5.DigestSize];
        Span<byte> pointName = stackalloc byte[MaxPointNameLength + 16];
        for (int m = 0; m < n; m++)
        {
            byte[] name = Encoding.UTF8.GetBytes(members[m].Name);
            for (int i = 0; i < perMember[m] / PointsPerHash; i++)
            {
                int length = FormatPointName(name, (uint)i, pointName);
                Md5.Hash(pointName.Slice(0, length), digest);
                for (int x = 0; x < PointsPerHash; x++)
                {
                    uint value = BinaryPrimitives.ReadUInt32LittleEndian(digest.Slice(x * 4));
                    keys[next++] = ((ulong)value << 32) | (uint)m;
                }
            }
        }

        Array.Sort(keys);

        var points = new uint[keys.Length];
        var servers = new int[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            points[i] = (uint)(keys[i] >> 32);
            servers[i] = members[(int)(uint)keys[i]].ServerIndex;
        }
        return new KetamaContinuum(points, servers);
    }

    /// <summary>
    /// <c>name + "-" + index</c> (decimal), cut to <see cref="MaxPointNameLength"/> bytes like snprintf does.
    /// </summary>
    internal static int FormatPointName(ReadOnlySpan<byte> name, uint index, Span<byte> destination)
    {
        Span<byte> suffix = stackalloc byte[12];
        suffix[0] = (byte)'-';
        index.TryFormat(suffix.Slice(1), out int digits, default, CultureInfo.InvariantCulture);
        int suffixLength = 1 + digits;

        int length = Math.Min(name.Length, MaxPointNameLength);
        name.Slice(0, length).CopyTo(destination);
        int suffixKept = Math.Min(suffixLength, MaxPointNameLength - length);
        suffix.Slice(0, suffixKept).CopyTo(destination.Slice(length));
        return length + suffixKept;
    }

    /// <summary>ServerIndex of the first point &gt;= <paramref name="hash"/>, wrapping to point 0.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal int Lookup(uint hash) => _servers[PointIndex(hash)];

    /// <summary>
    /// Index into <see cref="Points"/> of the first point &gt;= <paramref name="hash"/>, wrapping to 0:
    /// the point that decides a key's server (the operator console shows it).
    /// </summary>
    internal int PointIndex(uint hash)
    {
        uint[] points = _points;
        int lo = 0;
        int hi = points.Length;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (points[mid] < hash)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo == points.Length ? 0 : lo;
    }
}
