using Sharpcracker.Fuzz;

namespace Sharpcracker.Tests.Fuzz;

/// <summary>
/// Every kept fuzz input (tests/fuzz-corpus/TARGET: the seeds and what ./scripts/fuzz --keep
/// minimized from AFL's finds) goes through the same property checks AFL runs, so a regression
/// in any reader of outside bytes fails the normal test run, with no AFL needed.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void EveryKeptInputKeepsTheTargetsProperties(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var files = Directory.GetFiles(FuzzCorpus.Folder(name));
        Assert.NotEmpty(files);
        var failures = new List<string>();
        foreach (var file in files)
        {
            try
            {
                target.Check(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failures.Add($"{Path.GetFileName(file)}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.Empty(failures);
    }

    [Fact]
    public void EveryCorpusFolderIsATarget()
    {
        var folders = Directory.GetDirectories(FuzzCorpus.Root).Select(Path.GetFileName).Order();
        Assert.Equal(FuzzTargets.All.Select(t => t.Name).Order(), folders);
    }
}
