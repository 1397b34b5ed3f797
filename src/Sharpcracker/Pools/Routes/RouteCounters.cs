using System.Diagnostics;

namespace Sharpcracker.Pools.Routes;

/// <summary>
/// A route node's counters, one cache line per worker: each worker adds to its own line with a
/// plain add (no interlocked operation on the request path); readers sum the lines, a read racing
/// an add sees the value before or after it.
/// </summary>
internal sealed class RouteCounters
{
    private const int Stride = 8; // 8 longs: one 64-byte line per worker
    private readonly long[] _values;

    public RouteCounters(int workers)
    {
        Debug.Assert(Enum.GetValues<RouteCounter>().Length <= Stride, "one line per worker holds every counter");
        _values = new long[(Math.Max(workers, 1) + 1) * Stride]; // + 1: the last worker's line does not share a line with another object
    }

    /// <summary>Worker thread <paramref name="worker"/> only.</summary>
    public void Add(int worker, RouteCounter counter, long n = 1) => _values[(worker * Stride) + (int)counter] += n;

    public long Total(RouteCounter counter)
    {
        long sum = 0;
        for (var i = (int)counter; i < _values.Length; i += Stride)
        {
            sum += Volatile.Read(ref _values[i]);
        }
        return sum;
    }
}
