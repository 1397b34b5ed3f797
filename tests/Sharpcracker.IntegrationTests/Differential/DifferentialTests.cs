using System.Text;
using System.Text.RegularExpressions;

namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// The corpus sent to a real memcached directly and through Sharpcracker: the replies must be
/// byte-identical (one backend), or identical up to server-local cas values (three backends).
/// Sequences run in order on both sides so server state evolves identically.
/// </summary>
public sealed partial class DifferentialTests
{
    [Fact]
    public void CorpusIsLargeEnough()
    {
        Assert.True(MemcachedCorpus.All.Count >= 100, $"corpus has {MemcachedCorpus.All.Count} sequences");
        Assert.Equal(MemcachedCorpus.All.Count, MemcachedCorpus.All.Select(s => s.Name).Distinct().Count());
    }

    [Fact]
    public async Task OneBackend_RepliesAreByteIdentical()
    {
        using var direct = ExternalProcess.StartMemcached();
        using var backend = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([backend.Port]);
        var mismatches = await CompareAsync(direct.Port, proxy.Port, normalizeCas: false);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task ThreeBackends_RepliesAreIdenticalExceptCasValues()
    {
        using var direct = ExternalProcess.StartMemcached();
        using var b1 = ExternalProcess.StartMemcached();
        using var b2 = ExternalProcess.StartMemcached();
        using var b3 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([b1.Port, b2.Port, b3.Port]);
        var mismatches = await CompareAsync(direct.Port, proxy.Port, normalizeCas: true);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        // The corpus must really have been spread: every backend served some stores.
        foreach (var backend in new[] { b1, b2, b3 })
        {
            Assert.True(await StatAsync(backend.Port, "cmd_set") > 5, $"backend {backend.Port} saw almost no sets");
        }
    }

    internal static async Task<long> StatAsync(int port, string name)
    {
        using var connection = new McConnection(port);
        await connection.SendAsync("stats\r\nquit\r\n");
        var text = Encoding.Latin1.GetString(await connection.ReadToEndAsync());
        var line = text.Split("\r\n").First(l => l.StartsWith("STAT " + name + " ", StringComparison.Ordinal));
        return long.Parse(line.Split(' ')[2]);
    }

    private static Task<List<string>> CompareAsync(int directPort, int proxyPort, bool normalizeCas)
        // Guard against a broken harness comparing two empty streams (a few sequences, e.g. a
        // bare quit, get no reply at all).
        => CompareAsync(MemcachedCorpus.All, directPort, proxyPort, normalizeCas ? NormalizeCas : static r => r, MemcachedCorpus.All.Count - 4);

    /// <summary>
    /// Sends every sequence to memcached directly and through the proxy, each on a fresh connection;
    /// returns the sequences whose normalised replies differ. At least <paramref name="minReplying"/>
    /// sequences must get a reply from memcached.
    /// </summary>
    internal static async Task<List<string>> CompareAsync(IReadOnlyList<MemcachedCorpus.Sequence> corpus, int directPort, int proxyPort, Func<string, string> normalize, int minReplying)
    {
        var mismatches = new List<string>();
        var nonEmpty = 0;
        foreach (var sequence in corpus)
        {
            var expected = normalize(await RunAsync(directPort, sequence));
            var actual = normalize(await RunAsync(proxyPort, sequence));
            nonEmpty += expected.Length > 0 ? 1 : 0;
            if (expected != actual)
            {
                mismatches.Add($"[{sequence.Name}] memcached: {Escape(expected)}\n   proxy: {Escape(actual)}");
            }
        }
        Assert.True(nonEmpty >= minReplying, $"only {nonEmpty} sequences got any reply from memcached");
        return mismatches;
    }

    private static async Task<string> RunAsync(int port, MemcachedCorpus.Sequence sequence)
    {
        using var connection = new McConnection(port);
        await connection.SendAsync(sequence.ClosesItself ? sequence.Text : sequence.Text + "quit\r\n");
        return Encoding.Latin1.GetString(await connection.ReadToEndAsync());
    }

    /// <summary>Sends <paramref name="text"/> then closes the sending side; returns everything the server wrote.</summary>
    internal static async Task<string> RunTextAsync(int port, string text)
    {
        using var connection = new McConnection(port);
        await connection.SendAsync(text);
        connection.ShutdownSend();
        return Encoding.Latin1.GetString(await connection.ReadToEndAsync());
    }

    private static string NormalizeCas(string reply) => CasRegex().Replace(reply, "VALUE $1 $2 $3 <cas>\r\n");

    private static string Escape(string s) => s.Replace("\r", "\\r").Replace("\n", "\\n");

    [GeneratedRegex(@"VALUE ([^ ]+) (\d+) (\d+) (\d+)\r\n")]
    private static partial Regex CasRegex();
}
