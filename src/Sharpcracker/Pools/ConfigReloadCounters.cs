namespace Sharpcracker.Pools;

/// <summary>
/// Process-wide counts of configuration reloads (SIGHUP, --watch-config, HTTP vBucket stream).
/// Interlocked; read by the memcached <c>stats</c> reply and the stats port.
/// </summary>
internal static class ConfigReloadCounters
{
    private static long s_reloads;
    private static long s_failures;

    /// <summary>Reloads applied (a new config that differed or not, every one that was accepted).</summary>
    public static long Reloads => Interlocked.Read(ref s_reloads);

    /// <summary>Reloads refused because the new config was invalid; the old one kept running.</summary>
    public static long Failures => Interlocked.Read(ref s_failures);

    public static void CountReload() => Interlocked.Increment(ref s_reloads);

    public static void CountFailure() => Interlocked.Increment(ref s_failures);
}
