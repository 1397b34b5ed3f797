namespace Sharpcracker.RouteCheck;

/// <summary>Where an installed program lives (PATH, then /usr/sbin and /usr/bin).</summary>
internal static class Programs
{
    public static string Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/usr/bin"))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, name)))
            {
                return Path.Combine(dir, name);
            }
        }
        throw new InvalidOperationException($"{name} is not installed; run ./scripts/install-deps");
    }
}
