namespace Sharpcracker.RouteCheck;

/// <summary>
/// What a <see cref="VerifyingLoad"/> saw in one window (before, during, after an outage). One
/// instance per connection and window (plain fields, one writer), summed at the end.
/// </summary>
internal sealed class WindowCounts
{
    public long Reads;

    /// <summary>Hits whose value is the last acknowledged write of the key (or a later, unacknowledged one).</summary>
    public long Fresh;

    /// <summary>Hits whose value is older than the last acknowledged write of the key.</summary>
    public long Stale;

    /// <summary>Stale hits whose value is no newer than what was acknowledged when the outage began (a value from before it).</summary>
    public long StalePreOutage;

    /// <summary>Hits showing a write the client was never told succeeded (it failed or timed out but was applied).</summary>
    public long Unacknowledged;

    /// <summary>Misses of keys that have an acknowledged write (every key, after the preload).</summary>
    public long Misses;

    public long ReadErrors;
    public long Writes;
    public long WritesOk;
    public long WriteErrors;

    public void Add(WindowCounts other)
    {
        Reads += other.Reads;
        Fresh += other.Fresh;
        Stale += other.Stale;
        StalePreOutage += other.StalePreOutage;
        Unacknowledged += other.Unacknowledged;
        Misses += other.Misses;
        ReadErrors += other.ReadErrors;
        Writes += other.Writes;
        WritesOk += other.WritesOk;
        WriteErrors += other.WriteErrors;
    }

    /// <summary>Hits over reads, in percent.</summary>
    public double HitPercent => Reads == 0 ? 0 : 100.0 * (Fresh + Stale) / Reads;
}
