namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>The proxy process at one moment of a soak: seconds since the start, resident memory, open descriptors, threads.</summary>
public readonly record struct SoakSample(double Seconds, long RssBytes, int Descriptors, int Threads)
{
    public override string ToString() => $"{Seconds,6:F0} s  rss {RssBytes / (1024.0 * 1024):F1} MiB  fds {Descriptors}  threads {Threads}";
}
