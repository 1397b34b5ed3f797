using System.Diagnostics;

namespace Sharpcracker.Stats;

/// <summary>
/// A fixed log-scale latency histogram (1-2-5 steps from 10 µs to 10 s, plus +Inf), updated
/// with one interlocked increment per bucket hit and one interlocked add for the sum, so any
/// number of threads record without a lock and nothing is allocated. Readers see each bucket
/// atomically; a reader racing writers may see the sum and counts of slightly different moments.
/// </summary>
internal sealed class LatencyHistogram
{
    /// <summary>Upper bounds in seconds (Prometheus "le"), ascending; the last bucket is +Inf.</summary>
    public static readonly double[] BoundsSeconds =
    [
        0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005,
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
        0.1, 0.2, 0.5, 1, 2, 5, 10,
    ];

    /// <summary>Bucket count including +Inf.</summary>
    public static readonly int BucketCount = BoundsSeconds.Length + 1;

    private static readonly long[] s_boundsTicks = BoundsSeconds.Select(s => (long)Math.Ceiling(s * Stopwatch.Frequency)).ToArray();

    private readonly long[] _counts = new long[BucketCount];

    /// <summary>One histogram per command class.</summary>
    public static LatencyHistogram[] NewSet()
    {
        var set = new LatencyHistogram[CommandClasses.Count];
        for (var i = 0; i < set.Length; i++)
        {
            set[i] = new LatencyHistogram();
        }
        return set;
    }
    private long _sumTicks;

    /// <summary>Records one observation of <paramref name="elapsedTicks"/> Stopwatch ticks.</summary>
    public void Record(long elapsedTicks)
    {
        var i = BucketOf(elapsedTicks);
        Interlocked.Increment(ref _counts[i]);
        Interlocked.Add(ref _sumTicks, elapsedTicks);
    }

    /// <summary>
    /// Records one observation from the histogram's only writer (a server connection's owning
    /// worker): plain stores, no interlocked operation; readers still see whole values.
    /// </summary>
    public void RecordSingleWriter(long elapsedTicks)
    {
        var i = BucketOf(elapsedTicks);
        Volatile.Write(ref _counts[i], _counts[i] + 1);
        Volatile.Write(ref _sumTicks, _sumTicks + elapsedTicks);
    }

    private static int BucketOf(long elapsedTicks)
    {
        var bounds = s_boundsTicks;
        var i = 0;
        while (i < bounds.Length && elapsedTicks > bounds[i])
        {
            i++;
        }
        return i;
    }

    /// <summary>Adds this histogram's (non-cumulative) bucket counts into <paramref name="counts"/>; returns the sum in ticks.</summary>
    public long AddTo(long[] counts)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            counts[i] += Volatile.Read(ref _counts[i]);
        }
        return Volatile.Read(ref _sumTicks);
    }

    public long Count
    {
        get
        {
            long n = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                n += Volatile.Read(ref _counts[i]);
            }
            return n;
        }
    }

    public static double TicksToSeconds(long ticks) => (double)ticks / Stopwatch.Frequency;
}
