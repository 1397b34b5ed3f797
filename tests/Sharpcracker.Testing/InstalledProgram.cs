namespace Sharpcracker.Testing;

/// <summary>Where an installed program (memcached, redis-server, openssl, …) lives on this machine.</summary>
public static class InstalledProgram
{
    /// <summary>The program's path on PATH (plus /usr/sbin and /usr/bin); fails naming the install script if it is missing.</summary>
    public static string Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/usr/bin"))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new InvalidOperationException($"{name} is not installed; run ./scripts/install-deps");
    }
}
