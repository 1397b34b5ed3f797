namespace Sharpcracker.LoadGen;

/// <summary>
/// A log-bucket latency histogram in the spirit of HdrHistogram: values (nanoseconds) below 64
/// are counted exactly; above, each power of two is split into 32 linear sub-buckets, so any
/// recorded value is reported within ~3 % of its true value. Fixed size, no allocation per
/// record, one instance per connection (no sharing, no locks), merged at the end.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int Exponents = 64 - SubBucketBits;
    private readonly long[] _counts = new long[(Exponents + 1) * SubBuckets];

    public long Count { get; private set; }
    public long MaxNanoseconds { get; private set; }

    public void Record(long nanoseconds)
    {
        if (nanoseconds < 0)
        {
            nanoseconds = 0;
        }
        _counts[IndexOf(nanoseconds)]++;
        Count++;
        if (nanoseconds > MaxNanoseconds)
        {
            MaxNanoseconds = nanoseconds;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
        Count += other.Count;
        MaxNanoseconds = Math.Max(MaxNanoseconds, other.MaxNanoseconds);
    }

    public void Clear()
    {
        Array.Clear(_counts);
        Count = 0;
        MaxNanoseconds = 0;
    }

    /// <summary>The value at quantile q (0..1): the upper edge of the bucket holding that rank.</summary>
    public long ValueAtQuantile(double q)
    {
        if (Count == 0)
        {
            return 0;
        }
        var rank = (long)Math.Ceiling(q * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperEdge(i), MaxNanoseconds);
            }
        }
        return MaxNanoseconds;
    }

    internal static int IndexOf(long value)
    {
        // Bucket 0 holds [0, 2*SubBuckets) exactly; bucket e >= 1 holds [2^(e+5), 2^(e+6)) in steps of 2^e.
        if (value < 2 * SubBuckets)
        {
            return (int)value;
        }
        var msb = 63 - (int)long.LeadingZeroCount(value);
        var shift = msb - SubBucketBits;
        var sub = (int)(value >> shift) & (SubBuckets - 1);
        return (shift + 1) * SubBuckets + sub;
    }

    internal static long UpperEdge(int index)
    {
        if (index < 2 * SubBuckets)
        {
            return index;
        }
        var shift = index / SubBuckets - 1;
        var sub = index % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << shift) - 1;
    }
}
