using System.Diagnostics;

namespace Sharpcracker.FanOut;

/// <summary>Delivery latencies in 1 µs .. ~1 min log buckets (8 per power of two), counted from many threads.</summary>
internal sealed class LatencyBuckets
{
    private const int PerOctave = 8;
    private readonly long[] _counts = new long[26 * PerOctave];

    public void Record(long elapsedTicks)
    {
        var micros = Math.Max(1.0, elapsedTicks * 1_000_000.0 / Stopwatch.Frequency);
        var index = Math.Min(_counts.Length - 1, (int)(Math.Log2(micros) * PerOctave));
        Interlocked.Increment(ref _counts[index]);
    }

    public long Count => _counts.Sum();

    /// <summary>The upper edge of the bucket holding quantile <paramref name="q"/>, in milliseconds.</summary>
    public double QuantileMs(double q)
    {
        var total = Count;
        if (total == 0)
        {
            return double.NaN;
        }
        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Pow(2, (i + 1) / (double)PerOctave) / 1000;
            }
        }
        return double.NaN;
    }
}
