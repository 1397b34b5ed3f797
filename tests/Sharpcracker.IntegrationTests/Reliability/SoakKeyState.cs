namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// What one key may hold, kept by the one soak client that owns the key (no other client writes
/// it, so no lock). Values are "key#version#padding"; versions only grow.
/// </summary>
internal sealed class SoakKeyState
{
    /// <summary>The highest version sent in a set (-1: none): a reply with a higher one is wrong.</summary>
    public long MaxSent { get; set; } = -1;

    /// <summary>The version of the last acknowledged set (-1: none).</summary>
    public long Acked { get; set; } = -1;

    /// <summary>When that set was sent (soak clock, ms): a fault that destroyed data after this may have destroyed it.</summary>
    public double AckedSentAt { get; set; }

    /// <summary>Versions whose set got an error: the server may still have applied them (a timed-out set reaches a stopped server when it continues).</summary>
    public HashSet<long> Uncertain { get; } = [];
}
