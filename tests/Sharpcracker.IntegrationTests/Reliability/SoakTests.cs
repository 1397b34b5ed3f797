using System.Globalization;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// The soak under faults (<see cref="SoakDriver"/>) for 60 s — or for SHARPCRACKER_SOAK_SECONDS
/// (scripts/soak MINUTES sets it), with SHARPCRACKER_SOAK_SEED to repeat a run and
/// SHARPCRACKER_SOAK_REPORT naming a file for the report. Every reply is the key's own value or a
/// documented error inside a fault of its server, no acknowledged write to an undisturbed server is
/// lost, and the stats port's counters add up.
/// </summary>
[Collection(nameof(SoakCollection))]
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SoakUnderFaults_NoWrongReply_NoUnexplainedError_NoLostWrite_CountersAddUp()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("SHARPCRACKER_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var s) ? s : 60;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SHARPCRACKER_SOAK_SEED"), CultureInfo.InvariantCulture, out var given) ? given : Environment.TickCount & 0xffff;
        var report = await SoakDriver.RunAsync(TimeSpan.FromSeconds(seconds), seed, output.WriteLine);
        var text = report.Text();
        output.WriteLine(text);
        if (Environment.GetEnvironmentVariable("SHARPCRACKER_SOAK_REPORT") is { Length: > 0 } file)
        {
            await File.WriteAllTextAsync(file, text);
        }
        Assert.True(report.Requests > 0);
        Assert.Contains(report.Faults, f => f.StartsWith(nameof(SoakFaultKind.SentinelFailover), StringComparison.Ordinal));
        Assert.Empty(report.Failures());
    }
}
