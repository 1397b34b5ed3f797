using System.Text;
using System.Text.RegularExpressions;

namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// <see cref="MetaCorpus"/> sent to a real memcached directly and through Sharpcracker: replies must be
/// byte-identical with one backend, and identical up to server-local cas values with three. Only
/// wall-clock readings (me's la= and a counting-down exp=, mg's l flag) are masked, as they may
/// tick between the two runs of a sequence.
/// </summary>
public sealed partial class MetaDifferentialTests
{
    [Fact]
    public void CorpusIsLargeEnough()
    {
        Assert.True(MetaCorpus.All.Count >= 80, $"corpus has {MetaCorpus.All.Count} sequences");
        Assert.True(MetaCorpus.MetaCommandCount >= 200, $"corpus has {MetaCorpus.MetaCommandCount} meta commands");
        Assert.Equal(MetaCorpus.All.Count, MetaCorpus.All.Select(s => s.Name).Distinct().Count());
    }

    [Fact]
    public async Task OneBackend_MetaRepliesAreByteIdentical()
    {
        using var direct = ExternalProcess.StartMemcached();
        using var backend = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([backend.Port]);
        var mismatches = await CompareAsync(direct.Port, proxy.Port, normalizeCas: false);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task ThreeBackends_MetaRepliesAreIdenticalExceptCasValues()
    {
        using var direct = ExternalProcess.StartMemcached();
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        using var b3 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port, b3.Port]);
        var mismatches = await CompareAsync(direct.Port, proxy.Port, normalizeCas: true);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        // The corpus must really have been spread: every backend served some of it.
        var sets = new List<long>();
        foreach (var backend in new[] { b1, b2, b3 })
        {
            sets.Add(await DifferentialTests.StatAsync(backend.Port, "cmd_set") + await DifferentialTests.StatAsync(backend.Port, "cmd_get"));
        }
        Assert.True(sets.All(n => n > 10), "sets+gets per backend: " + string.Join(", ", sets));
    }

    // Every meta sequence gets a reply from memcached.
    private static Task<List<string>> CompareAsync(int directPort, int proxyPort, bool normalizeCas)
        => DifferentialTests.CompareAsync(MetaCorpus.All, directPort, proxyPort, r => Normalize(r, normalizeCas), MetaCorpus.All.Count);

    private static string Normalize(string reply, bool normalizeCas)
    {
        reply = ClockRegex().Replace(reply, "$1*");
        return normalizeCas ? CasRegex().Replace(reply, "$1*") : reply;
    }

    // me: seconds since last access, and time-to-expiry when the item has one; mg: the l flag.
    [GeneratedRegex(@"(la=|exp=(?!-1 )|^(?:VA \d+|HD)(?: [^ \r]+)*? l)\d+", RegexOptions.Multiline)]
    private static partial Regex ClockRegex();

    // cas values: mg/ms/ma's c flag, me's cas=.
    [GeneratedRegex(@"(^(?:VA \d+|HD|EN|NF|NS|EX)(?: [^ \r]+)*? c|cas=)\d+", RegexOptions.Multiline)]
    private static partial Regex CasRegex();
}
