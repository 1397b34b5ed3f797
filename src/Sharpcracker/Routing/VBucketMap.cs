using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Routing;

/// <summary>
/// A membase/Couchbase vBucket map (libvbucket's placement): a key's vBucket is the CRC hash
/// (twemproxy's <c>crc32</c>: reflected CRC-32, then <c>((~crc) &gt;&gt; 16) &amp; 0x7fff</c>) masked to the
/// number of vBuckets; the first entry of that vBucket's row is the index of its master server
/// in the server list. Further entries are replicas and are not used for routing.
/// </summary>
/// <remarks>Immutable; <see cref="Route"/> is allocation-free and safe from many threads.</remarks>
internal sealed class VBucketMap
{
    // Master server index per vBucket (-1: the vBucket has no server).
    private readonly int[] _masters;
    private readonly uint _mask;

    /// <param name="rows">One row per vBucket; row[0] is the master, later entries replicas; -1 means none.</param>
    /// <param name="serverCount">Size of the server list the rows index into.</param>
    /// <exception cref="ArgumentException">Not a power-of-two row count, an empty row, or an index out of range.</exception>
    public VBucketMap(IReadOnlyList<IReadOnlyList<int>> rows, int serverCount)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0 || (rows.Count & (rows.Count - 1)) != 0)
        {
            throw new ArgumentException($"the vBucket map has {rows.Count} rows; the number of vBuckets must be a power of two", nameof(rows));
        }
        _masters = new int[rows.Count];
        var rowsCopy = new int[rows.Count][];
        for (var vb = 0; vb < rows.Count; vb++)
        {
            var row = rows[vb];
            if (row is null || row.Count == 0)
            {
                throw new ArgumentException($"vBucket {vb} has an empty row", nameof(rows));
            }
            foreach (var index in row)
            {
                if (index < -1 || index >= serverCount)
                {
                    throw new ArgumentException($"vBucket {vb} names server {index}, but the server list has {serverCount} entries", nameof(rows));
                }
            }
            _masters[vb] = row[0];
            rowsCopy[vb] = [.. row];
        }
        Rows = rowsCopy;
        ServerCount = serverCount;
        _mask = (uint)rows.Count - 1;
    }

    public int VBucketCount => _masters.Length;

    public int ServerCount { get; }

    /// <summary>The rows as given (master first, then replicas).</summary>
    public IReadOnlyList<int[]> Rows { get; }

    /// <summary>libvbucket's vBucket for a key.</summary>
    public int VBucketOf(ReadOnlySpan<byte> key) => (int)(KeyHasher.Hash(HashKind.Crc32, key) & _mask);

    /// <summary>Index into the server list of the key's master server, or -1 when its vBucket has none.</summary>
    public int Route(ReadOnlySpan<byte> key) => _masters[VBucketOf(key)];

    /// <summary>True when both maps send every vBucket to the same server index.</summary>
    public bool SameMasters(VBucketMap other) => _masters.AsSpan().SequenceEqual(other._masters);
}
