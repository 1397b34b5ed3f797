using System.Collections.Concurrent;
using System.Globalization;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// The soak's judge: every reply against what its key may hold and against the faults that
/// touched its server, tallied per pool. Called by many clients at once; each key's state is owned
/// by one client. A fault is recorded before it is injected, so a request answered before a fault
/// began can never be attributed to it, and an error can only be explained by a fault of the
/// request's own pool and server.
/// </summary>
internal sealed class SoakChecker(Func<double> clock)
{
    private const int Samples = 20;
    private readonly List<SoakFault> _faults = [];
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly ConcurrentBag<double> _calmLatencies = [];

    public double Now => clock();

    public IReadOnlyList<SoakFault> Faults
    {
        get
        {
            lock (_faults)
            {
                return [.. _faults];
            }
        }
    }

    /// <summary>Counts by "pool/what" (requests, verdicts, proxy errors, server answers) and "explained/kind".</summary>
    public IReadOnlyDictionary<string, long> Counts => _counts;

    /// <summary>The first wrong replies, unexplained errors and lost writes, described.</summary>
    public IEnumerable<string> Problems => _problems.Take(3 * Samples);

    /// <summary>Latencies (ms) of requests no fault touched anywhere.</summary>
    public IReadOnlyCollection<double> CalmLatencies => _calmLatencies;

    public long Count(string name) => _counts.TryGetValue(name, out var n) ? n : 0;

    /// <summary>Records a fault before it is injected (its start is now).</summary>
    public SoakFault Begin(SoakFaultKind kind, string pool, IReadOnlySet<string> servers, string description, Func<string, bool> losesData)
    {
        var fault = new SoakFault(kind, pool, servers, Now, description, losesData);
        lock (_faults)
        {
            _faults.Add(fault);
        }
        return fault;
    }

    private void Add(string name) => _counts.AddOrUpdate(name, 1, static (_, n) => n + 1);

    private void Problem(string text)
    {
        if (_problems.Count < 3 * Samples)
        {
            _problems.Enqueue(text);
        }
    }

    /// <summary>A value the soak writes: the key, its version, padding to about 100 bytes.</summary>
    public static string Value(string key, long version) => $"{key}#{version.ToString(CultureInfo.InvariantCulture)}#".PadRight(100, 'x');

    /// <summary>Judges one reply. <paramref name="version"/> is the set's version, or -1 for a get.</summary>
    public SoakVerdict Judge(SoakPool pool, string key, SoakKeyState? state, long version, string[] owners, double sent, Reply reply)
    {
        var answered = Now;
        var faults = Faults;
        Add(pool.Name + "/requests");
        var verdict = JudgeReply(pool, key, state, version, owners, sent, answered, reply, faults, out var why);
        Add(pool.Name + "/" + verdict);
        if (reply.Kind == ReplyKind.Error && !reply.Text.StartsWith("client: ", StringComparison.Ordinal))
        {
            Add(pool.Name + (IsServersOwnError(reply.Text) ? "/server answers" : "/proxy errors"));
        }
        else if (reply.Kind != ReplyKind.Error)
        {
            Add(pool.Name + "/server answers");
        }
        if (verdict is SoakVerdict.WrongReply or SoakVerdict.UnexplainedError or SoakVerdict.LostWrite)
        {
            Problem($"{sent:F0}-{answered:F0} ms {pool.Name} {(version < 0 ? "get" : "set")} {key} on {string.Join("|", owners)}: {reply} — {verdict}: {why}");
        }
        else if (!faults.Any(f => sent <= f.End && answered >= f.Start))
        {
            _calmLatencies.Add(answered - sent);
        }
        return verdict;
    }

    /// <summary>Errors a server sends itself (a demoted master refusing a write, a loading replica), not the proxy.</summary>
    private static bool IsServersOwnError(string text) => text.StartsWith("READONLY", StringComparison.Ordinal) || text.StartsWith("LOADING", StringComparison.Ordinal);

    private SoakVerdict JudgeReply(SoakPool pool, string key, SoakKeyState? state, long version, string[] owners, double sent, double answered, Reply reply,
        IReadOnlyList<SoakFault> faults, out string why)
    {
        why = "";
        if (reply.Kind == ReplyKind.Error)
        {
            if (version >= 0)
            {
                state!.Uncertain.Add(version);
            }
            // Overlapping windows (a fault's grace and the next fault of the same server): the latest one is the cause.
            if (faults.Where(f => f.Touches(pool.Name, owners, sent, answered)).MaxBy(f => f.Start) is { } fault)
            {
                Add("explained/" + fault.Kind + "/" + reply.Text);
                return SoakVerdict.ExplainedError;
            }
            why = "no fault touched " + string.Join("|", owners);
            return SoakVerdict.UnexplainedError;
        }
        if (version >= 0)
        {
            if (reply.Kind != ReplyKind.Value)
            {
                why = "a set answered as a miss";
                return SoakVerdict.WrongReply;
            }
            state!.Acked = version;
            state.AckedSentAt = sent;
            return SoakVerdict.Ok;
        }
        // A get. Keys no client writes (the bursts') must miss.
        var lenient = state is null || state.Acked < 0
            || faults.Any(f => f.Pool == pool.Name && f.End > state.AckedSentAt && f.Start <= answered && f.LosesData(key));
        if (reply.Kind == ReplyKind.Miss)
        {
            if (state is not null && state.Acked >= 0 && !lenient)
            {
                why = $"version {state.Acked} was acknowledged and no fault destroyed it";
                return SoakVerdict.LostWrite;
            }
            return SoakVerdict.Ok;
        }
        var prefix = key + "#";
        var hash = reply.Text.IndexOf('#', prefix.Length);
        if (state is null || !reply.Text.StartsWith(prefix, StringComparison.Ordinal) || hash < 0
            || !long.TryParse(reply.Text.AsSpan(prefix.Length, hash - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var got)
            || reply.Text != Value(key, got))
        {
            why = "not this key's value";
            return SoakVerdict.WrongReply;
        }
        if (got > state.MaxSent)
        {
            why = $"version {got} was never written (highest {state.MaxSent})";
            return SoakVerdict.WrongReply;
        }
        if (lenient || got == state.Acked || state.Uncertain.Contains(got))
        {
            return SoakVerdict.Ok;
        }
        why = $"version {got}, but {state.Acked} was acknowledged and no fault destroyed it";
        return SoakVerdict.LostWrite;
    }
}
