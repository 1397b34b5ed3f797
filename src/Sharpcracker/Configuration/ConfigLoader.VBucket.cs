using Sharpcracker.Routing;
using YamlDotNet.RepresentationModel;

namespace Sharpcracker.Configuration;

/// <summary>
/// The vbucket keys of a pool (Sharpcracker's extension of the twemproxy format):
/// <c>distribution: vbucket</c> with either <c>vbucket_map:</c> (a list of rows, each a list of
/// server indices, master first; the servers list in file order is the serverList) or
/// <c>vbucket_map_file:</c> (a JSON vBucketServerMap, relative paths resolved against the
/// config file's directory; its serverList, when present, must equal the servers list).
/// </summary>
internal static partial class ConfigLoader
{
    private static VBucketMap? ParseVBucketKeys(string path, string pool, Dictionary<string, YamlNode> values, DistributionKind distribution, List<ServerConfig> servers)
    {
        values.TryGetValue("vbucket_map", out var mapNode);
        values.TryGetValue("vbucket_map_file", out var fileNode);
        string Where(string key, YamlNode node) => $"conf: '{path}': pool '{pool}': directive \"{key}\" (line {node.Start.Line})";
        if (distribution != DistributionKind.VBucket)
        {
            if (mapNode is not null || fileNode is not null)
            {
                var key = mapNode is not null ? "vbucket_map" : "vbucket_map_file";
                throw new ConfigException($"{Where(key, (mapNode ?? fileNode)!)} is only valid with distribution: vbucket");
            }
            return null;
        }
        if (mapNode is not null && fileNode is not null)
        {
            throw new ConfigException($"{Where("vbucket_map_file", fileNode)} cannot be combined with \"vbucket_map\"");
        }
        if (mapNode is null && fileNode is null)
        {
            throw new ConfigException($"conf: '{path}': pool '{pool}': distribution vbucket needs \"vbucket_map:\" or \"vbucket_map_file:\"");
        }

        if (mapNode is not null)
        {
            if (mapNode is not YamlSequenceNode rowsNode)
            {
                throw new ConfigException($"{Where("vbucket_map", mapNode)} must be a list of rows such as [0, 1]");
            }
            var rows = new List<IReadOnlyList<int>>();
            foreach (var rowNode in rowsNode.Children)
            {
                var row = new List<int>();
                IEnumerable<YamlNode> cells = rowNode is YamlSequenceNode seq ? seq.Children : [rowNode];
                foreach (var cell in cells)
                {
                    if (cell is not YamlScalarNode { Value: { } text } || !int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var index))
                    {
                        throw new ConfigException($"{Where("vbucket_map", mapNode)} has a row at line {rowNode.Start.Line} that is not a list of server indices");
                    }
                    row.Add(index);
                }
                rows.Add(row);
            }
            try
            {
                return new VBucketMap(rows, servers.Count);
            }
            catch (ArgumentException e)
            {
                throw new ConfigException($"{Where("vbucket_map", mapNode)} is invalid: {e.Message.Split(" (Parameter")[0]}");
            }
        }

        var file = (fileNode as YamlScalarNode)?.Value;
        if (string.IsNullOrEmpty(file))
        {
            throw new ConfigException($"{Where("vbucket_map_file", fileNode!)} must be a file path");
        }
        var full = Path.IsPathRooted(file) ? file : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", file);
        VBucketServerMap parsed;
        try
        {
            parsed = VBucketServerMap.Parse(File.ReadAllText(full), serverCountWithoutList: servers.Count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new ConfigException($"{Where("vbucket_map_file", fileNode!)}: '{full}': {e.Message}");
        }
        if (parsed.Servers.Count > 0 && !parsed.Servers.Select(s => s.EndpointText).SequenceEqual(servers.Select(s => s.EndpointText)))
        {
            throw new ConfigException($"{Where("vbucket_map_file", fileNode!)}: the serverList of '{full}' differs from the pool's servers (same endpoints in the same order expected)");
        }
        return parsed.Map;
    }
}
