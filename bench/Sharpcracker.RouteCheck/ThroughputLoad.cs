using System.Diagnostics;

namespace Sharpcracker.RouteCheck;

/// <summary>
/// Closed-loop load: each connection sends one request, waits for its reply, sends the next, for a
/// fixed time; half sets (100-byte values), half gets, over a fixed key space. Every request's
/// latency is kept (one list per connection) for the percentiles.
/// </summary>
internal static class ThroughputLoad
{
    public static ThroughputResult Run(int port, string prefix, int keys, int connections, TimeSpan duration)
    {
        var latencies = new List<long>[connections];
        var errors = new long[connections];
        var threads = new Thread[connections];
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        for (var c = 0; c < connections; c++)
        {
            var connection = c;
            latencies[c] = new List<long>(1 << 16);
            threads[c] = new Thread(() =>
            {
                using var client = new TextClient(port, 5000);
                var random = new Random(connection + 17);
                while (Stopwatch.GetTimestamp() < end)
                {
                    var key = prefix + random.Next(keys);
                    var sent = Stopwatch.GetTimestamp();
                    var reply = random.Next(2) == 0 ? client.Set(key, sent, 0, 100) : client.Get(key, out _);
                    latencies[connection].Add(Stopwatch.GetTimestamp() - sent);
                    if (reply is ReplyKind.ErrorReply or ReplyKind.Broken)
                    {
                        errors[connection]++;
                    }
                }
            })
            { IsBackground = true, Name = "load-" + c };
            threads[c].Start();
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new ThroughputResult(all.Length / seconds, Micros(all, 0.50), Micros(all, 0.99), errors.Sum());
    }

    private static double Micros(long[] sorted, double q)
        => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)] * 1e6 / Stopwatch.Frequency;
}
