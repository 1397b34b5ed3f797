namespace Sharpcracker.Fuzz;

/// <summary>
/// A temporary folder of this process for the targets that need files (one subfolder per target,
/// so one target's file is never found by another's relative path), removed when the process exits.
/// </summary>
internal static class FuzzScratch
{
    private static readonly string s_root = CreateRoot();

    public static string Folder(string target)
    {
        var folder = Path.Combine(s_root, target);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string CreateRoot()
    {
        var root = Directory.CreateTempSubdirectory("sharpcracker-fuzz-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover folder in the temp directory harms nothing.
            }
        };
        return root;
    }
}
