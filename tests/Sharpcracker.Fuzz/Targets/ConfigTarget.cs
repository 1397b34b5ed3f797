using System.Text;
using Sharpcracker.Configuration;

namespace Sharpcracker.Fuzz;

/// <summary>
/// The YAML configuration loader (ConfigLoader.Parse, every pool key, the vbucket, auth, TLS and
/// replication keys). Properties: the text either loads, with at least one pool, unique pool names
/// and unique listen addresses, or is refused with a <see cref="ConfigException"/> whose message
/// starts with "conf: 'FILE'" (and names pool and key where there is one, by the loader's
/// construction); any other exception is a bug. The file lives in an empty folder of its own, so
/// relative file keys find nothing; inputs naming /dev, /proc or /sys are skipped (a read of a
/// device file can block, which says nothing about the loader).
/// </summary>
internal sealed class ConfigTarget : FuzzTarget
{
    private static readonly string s_path = Path.Combine(FuzzScratch.Folder("config"), "fuzz.yml");

    public override string Name => "config-yaml";

    public override void Check(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        if (text.Contains("/dev", StringComparison.Ordinal) || text.Contains("/proc", StringComparison.Ordinal) || text.Contains("/sys", StringComparison.Ordinal))
        {
            return;
        }
        ProxyConfig config;
        try
        {
            config = ConfigLoader.Parse(text, s_path);
        }
        catch (ConfigException e)
        {
            Property.That(e.Message.StartsWith($"conf: '{s_path}'", StringComparison.Ordinal), $"a ConfigException that does not name the file: {e.Message}");
            return;
        }
        Property.That(config.Pools.Count > 0, "a configuration without pools loaded");
        Property.That(config.Pools.Select(p => p.Name).Distinct().Count() == config.Pools.Count, "two pools with one name loaded");
        Property.That(config.Pools.Select(p => p.Listen.Text).Distinct().Count() == config.Pools.Count, "two pools on one listen address loaded");
    }
}
