namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// The proxy process at one moment of a soak: seconds since the start, resident memory, open
/// descriptors, threads, and from its /metrics the managed heap in use (garbage not yet collected
/// included) and the gen-2 collections so far — what tells heap growth from a leak.
/// </summary>
public readonly record struct SoakSample(double Seconds, long RssBytes, int Descriptors, int Threads, long HeapBytes, long Gen2Collections)
{
    public override string ToString()
        => $"{Seconds,6:F0} s  rss {RssBytes / (1024.0 * 1024):F1} MiB  fds {Descriptors}  threads {Threads}  heap {HeapBytes / (1024.0 * 1024):F1} MiB  gen2 {Gen2Collections}";
}
