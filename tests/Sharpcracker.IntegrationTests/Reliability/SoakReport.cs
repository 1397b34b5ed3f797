using System.Globalization;
using System.Text;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>The figures of one soak run, and the checks that must hold (<see cref="Failures"/> empty).</summary>
public sealed class SoakReport
{
    public required TimeSpan Duration { get; init; }
    public required int Seed { get; init; }
    public required IReadOnlyDictionary<string, long> Counts { get; init; }
    public required IReadOnlyList<string> Faults { get; init; }
    public required IReadOnlyList<string> Problems { get; init; }
    public required IReadOnlyList<SoakSample> Samples { get; init; }
    public required IReadOnlyList<string> CounterLines { get; init; }
    public required IReadOnlyList<string> CounterMismatches { get; init; }
    public required double CalmP50Ms { get; init; }
    public required double CalmP99Ms { get; init; }
    public required long CalmRequests { get; init; }

    private long Sum(SoakVerdict verdict) => Counts.Where(c => c.Key.EndsWith("/" + verdict, StringComparison.Ordinal)).Sum(c => c.Value);

    public long Requests => Counts.Where(c => c.Key.EndsWith("/requests", StringComparison.Ordinal)).Sum(c => c.Value);
    public long WrongReplies => Sum(SoakVerdict.WrongReply);
    public long UnexplainedErrors => Sum(SoakVerdict.UnexplainedError);
    public long LostWrites => Sum(SoakVerdict.LostWrite);
    public long ExplainedErrors => Sum(SoakVerdict.ExplainedError);

    /// <summary>What broke a target: empty for a good run.</summary>
    public IEnumerable<string> Failures()
    {
        if (WrongReplies > 0)
        {
            yield return $"{WrongReplies} wrong replies";
        }
        if (UnexplainedErrors > 0)
        {
            yield return $"{UnexplainedErrors} unexplained errors";
        }
        if (LostWrites > 0)
        {
            yield return $"{LostWrites} lost writes";
        }
        foreach (var m in CounterMismatches)
        {
            yield return "counters: " + m;
        }
    }

    public string Text()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"soak: {Duration.TotalSeconds:F0} s, seed {Seed}");
        sb.AppendLine(inv, $"requests {Requests}; wrong replies {WrongReplies}; unexplained errors {UnexplainedErrors}; lost writes {LostWrites}; errors inside fault windows {ExplainedErrors}");
        sb.AppendLine(inv, $"latency outside fault windows ({CalmRequests} requests): p50 {CalmP50Ms:F2} ms, p99 {CalmP99Ms:F2} ms");
        sb.AppendLine("faults by kind: " + string.Join(", ", Faults.GroupBy(f => f.Split(' ')[0]).Select(g => $"{g.Key} {g.Count()}")));
        sb.AppendLine("counts:");
        foreach (var (name, count) in Counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(inv, $"  {name}: {count}");
        }
        sb.AppendLine("proxy every 10 s:");
        foreach (var s in Samples)
        {
            sb.AppendLine("  " + s);
        }
        sb.AppendLine("stats port after the run:");
        foreach (var line in CounterLines)
        {
            sb.AppendLine("  " + line);
        }
        foreach (var line in CounterMismatches)
        {
            sb.AppendLine("  MISMATCH " + line);
        }
        sb.AppendLine("faults:");
        foreach (var f in Faults)
        {
            sb.AppendLine("  " + f);
        }
        foreach (var p in Problems)
        {
            sb.AppendLine("PROBLEM " + p);
        }
        return sb.ToString();
    }
}
