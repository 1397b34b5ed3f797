namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// One injected fault: which pool and servers it touches, from when to when (soak clock, ms), and
/// which keys lose their data by it (<see cref="LosesData"/>: a killed server's, keys a reload
/// moved, a failed-over group's). <see cref="End"/> is +∞ while the fault lasts; once it is over it
/// is the moment the fault lifted (restart, SIGCONT, reload applied, new master writable) plus the
/// grace every request needs to find that out (timeout, back-off).
/// </summary>
public sealed class SoakFault(SoakFaultKind kind, string pool, IReadOnlySet<string> servers, double start, string description, Func<string, bool> losesData)
{
    private double _end = double.PositiveInfinity;

    public SoakFaultKind Kind { get; } = kind;
    public string Pool { get; } = pool;
    public IReadOnlySet<string> Servers { get; } = servers;
    public double Start { get; } = start;
    public string Description { get; } = description;

    /// <summary>Whether the fault may have destroyed the data of <c>key</c> (a key of <see cref="Pool"/>).</summary>
    public Func<string, bool> LosesData { get; } = losesData;

    public double End
    {
        get => Volatile.Read(ref _end);
        set => Volatile.Write(ref _end, value);
    }

    /// <summary>The fault touches a request of <paramref name="pool"/> to one of <paramref name="servers"/> in flight from <paramref name="sent"/> to <paramref name="answered"/>.</summary>
    public bool Touches(string pool, IEnumerable<string> servers, double sent, double answered)
        => pool == Pool && sent <= End && answered >= Start && servers.Any(Servers.Contains);
}
