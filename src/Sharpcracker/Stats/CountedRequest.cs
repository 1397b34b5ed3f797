namespace Sharpcracker.Stats;

/// <summary>
/// What <see cref="ConnectionStats"/> keeps on a request between queueing and reply, so a
/// latency sample and the queued byte gauges need no lookup: the engine's request type derives
/// from it (Stats does not depend on the engine). Written and read by the owning worker only.
/// </summary>
internal abstract class CountedRequest
{
    /// <summary>Stopwatch timestamp when queued (the worker's pass clock).</summary>
    public long StatsStart;

    /// <summary>The request's bytes in the connection's send buffer.</summary>
    public int StatsBytes;

    /// <summary>The latency family it is measured in.</summary>
    public CommandClass StatsClass;
}
