using System.Text;

namespace Sharpcracker.LoadGen;

/// <summary>Per-connection counters (one writer, read after the connection finished) and the run-wide error samples.</summary>
public sealed class ReplyTally(ErrorLog errors)
{
    public long Completed;
    public long Reads;
    public long Writes;
    public long KeysRequested;
    public long Hits;
    public long Misses;
    public long Verified;
    public long Errors;
    public readonly LatencyHistogram Latency = new();

    /// <summary>Counts one wrong reply; the text is only built on this (rare) path.</summary>
    public void Error(string what, ReadOnlySpan<byte> reply)
    {
        Errors++;
        errors.Add(what, reply);
    }

    /// <summary>The counters a parse may touch, saved so a parse of an incomplete reply can be undone.</summary>
    public (long Hits, long Misses, long Verified, long Errors) Save() => (Hits, Misses, Verified, Errors);

    public void Restore((long Hits, long Misses, long Verified, long Errors) saved)
        => (Hits, Misses, Verified, Errors) = saved;

    public void Add(ReplyTally other)
    {
        Completed += other.Completed;
        Reads += other.Reads;
        Writes += other.Writes;
        KeysRequested += other.KeysRequested;
        Hits += other.Hits;
        Misses += other.Misses;
        Verified += other.Verified;
        Errors += other.Errors;
        Latency.Add(other.Latency);
    }
}

/// <summary>The first few error descriptions of a run, for the report.</summary>
public sealed class ErrorLog
{
    private const int Kept = 8;
    private readonly List<string> _samples = [];

    public IReadOnlyList<string> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    public void Add(string what, ReadOnlySpan<byte> reply)
    {
        lock (_samples)
        {
            if (_samples.Count < Kept)
            {
                var shown = reply.Length > 80 ? reply[..80] : reply;
                _samples.Add($"{what}: {Encoding.Latin1.GetString(shown).Replace("\r", "\\r").Replace("\n", "\\n")}");
            }
        }
    }
}
