namespace Sharpcracker.Configuration;

/// <summary>
/// The <c>global:</c> section of the multi-process twemproxy fork's layout. Null fields were not
/// given. The fork runs one process per worker; Sharpcracker maps that onto worker threads.
/// </summary>
internal sealed record GlobalConfig
{
    /// <summary>Worker event loops: <c>auto</c> = processors, 0 = one (the fork's single-process mode).</summary>
    public int? WorkerThreads { get; init; }
    public int? MaxOpenFiles { get; init; }
    public string? User { get; init; }
    public string? Group { get; init; }
    /// <summary>Seconds old clients get to finish at shutdown.</summary>
    public int? WorkerShutdownTimeoutSeconds { get; init; }
}
