namespace Sharpcracker.Stats;

/// <summary>
/// The last few configuration reload attempts (time, trigger, outcome), for the operator console.
/// Reloads are rare (SIGHUP, a file change, a vBucket stream update), so a lock is fine.
/// </summary>
internal static class ReloadHistory
{
    public const int Capacity = 20;

    private static readonly object s_lock = new();
    private static readonly Queue<ReloadEvent> s_events = new();

    public static void Record(string trigger, bool applied, string summary)
    {
        lock (s_lock)
        {
            if (s_events.Count == Capacity)
            {
                s_events.Dequeue();
            }
            s_events.Enqueue(new ReloadEvent(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), trigger, applied, summary));
        }
    }

    /// <summary>Newest first.</summary>
    public static IReadOnlyList<ReloadEvent> Recent()
    {
        lock (s_lock)
        {
            return s_events.Reverse().ToArray();
        }
    }
}
