using System.Collections.Frozen;
using YamlDotNet.RepresentationModel;

namespace Sharpcracker.Configuration;

/// <summary>Redis-only pool keys that are Sharpcracker's own (not twemproxy's).</summary>
internal static partial class ConfigLoader
{
    private const string RefuseCommandsKey = "redis_refuse_commands";

    /// <summary>
    /// redis_refuse_commands: a list of command names (case-insensitive; "config|set" for one
    /// subcommand) that clients of this pool are refused. Every name must be one redis-server
    /// knows (<see cref="RedisCommandNames"/>), so a typo cannot leave a command open.
    /// </summary>
    private static FrozenSet<string>? ParseRefuseCommands(Dictionary<string, YamlNode> values, bool redis, Func<string, string, ConfigException> bad)
    {
        if (!values.TryGetValue(RefuseCommandsKey, out var node))
        {
            return null;
        }
        if (!redis)
        {
            throw bad(RefuseCommandsKey, "is only valid for a redis pool");
        }
        if (node is not YamlSequenceNode seq)
        {
            throw bad(RefuseCommandsKey, "must be a list of command names, e.g. [flushall, keys]");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in seq.Children)
        {
            var name = ((item as YamlScalarNode)?.Value ?? "").Trim().ToLowerInvariant();
            if (!RedisCommandNames.All.Contains(name))
            {
                throw bad(RefuseCommandsKey, $"names an unknown Redis command: '{(item as YamlScalarNode)?.Value}' (line {item.Start.Line})");
            }
            names.Add(name);
        }
        return names.Count == 0 ? null : names.ToFrozenSet(StringComparer.Ordinal);
    }
}
