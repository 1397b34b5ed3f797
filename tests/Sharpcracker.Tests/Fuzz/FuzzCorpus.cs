namespace Sharpcracker.Tests.Fuzz;

/// <summary>Where the kept fuzz inputs are: tests/fuzz-corpus in the checkout these tests were built from.</summary>
internal static class FuzzCorpus
{
    public static string Root { get; } = FindRoot();

    public static string Folder(string target) => Path.Combine(Root, target);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fuzz-corpus");
            if (File.Exists(Path.Combine(dir.FullName, "Sharpcracker.slnx")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"no tests/fuzz-corpus above {AppContext.BaseDirectory}");
    }
}
