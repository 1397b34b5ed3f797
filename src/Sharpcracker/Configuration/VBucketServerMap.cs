using System.Text.Json;
using Sharpcracker.Routing;

namespace Sharpcracker.Configuration;

/// <summary>
/// A membase/Couchbase <c>vBucketServerMap</c>: <c>hashAlgorithm</c>, <c>numReplicas</c>,
/// <c>serverList</c> ("host:port" entries, indexed by the map) and <c>vBucketMap</c>.
/// </summary>
internal sealed record VBucketServerMap(string HashAlgorithm, int NumReplicas, IReadOnlyList<ServerConfig> Servers, VBucketMap Map)
{
    /// <summary>
    /// Parses either a bare vBucketServerMap object or a bucket config that holds one under
    /// <c>vBucketServerMap</c> (the shape of Couchbase's <c>bucketsStreamingConfig</c> documents).
    /// </summary>
    /// <exception cref="FormatException">Not JSON, or a map that cannot be routed with (the message says why).</exception>
    /// <param name="json">The document.</param>
    /// <param name="serverCountWithoutList">When set, a missing serverList is allowed and the map's
    /// indices are checked against this many servers (a YAML pool's own servers list).</param>
    public static VBucketServerMap Parse(string json, int? serverCountWithoutList = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new FormatException($"not valid JSON: {e.Message}");
        }
        using (document)
        {
            return FromElement(document.RootElement, serverCountWithoutList);
        }
    }

    /// <inheritdoc cref="Parse(string)"/>
    public static VBucketServerMap FromElement(JsonElement root, int? serverCountWithoutList = null)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the configuration is not a JSON object");
        }
        var map = root.TryGetProperty("vBucketServerMap", out var inner) ? inner : root;
        if (map.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("\"vBucketServerMap\" is not an object");
        }

        var algorithm = map.TryGetProperty("hashAlgorithm", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString()! : "CRC";
        if (!string.Equals(algorithm, "CRC", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"hashAlgorithm '{algorithm}' is not supported (only CRC)");
        }

        var replicas = 0;
        if (map.TryGetProperty("numReplicas", out var r))
        {
            if (r.ValueKind != JsonValueKind.Number || !r.TryGetInt32(out replicas) || replicas < 0)
            {
                throw new FormatException("numReplicas is not a non-negative integer");
            }
        }

        var hasList = map.TryGetProperty("serverList", out var list);
        if (hasList ? list.ValueKind != JsonValueKind.Array : serverCountWithoutList is null)
        {
            throw new FormatException("serverList is missing or not an array");
        }
        var servers = new List<ServerConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in hasList ? list.EnumerateArray().ToArray() : [])
        {
            var text = entry.ValueKind == JsonValueKind.String ? entry.GetString()! : throw new FormatException("a serverList entry is not a string");
            var server = ServerFromHostPort(text) ?? throw new FormatException($"serverList entry '{text}' is not host:port");
            if (!names.Add(server.Name))
            {
                throw new FormatException($"serverList has '{text}' twice");
            }
            servers.Add(server);
        }

        if (!map.TryGetProperty("vBucketMap", out var rowsElement) || rowsElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("vBucketMap is missing or not an array");
        }
        var rows = new List<IReadOnlyList<int>>();
        foreach (var rowElement in rowsElement.EnumerateArray())
        {
            if (rowElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"vBucketMap row {rows.Count} is not an array");
            }
            var row = new List<int>();
            foreach (var cell in rowElement.EnumerateArray())
            {
                if (cell.ValueKind != JsonValueKind.Number || !cell.TryGetInt32(out var index))
                {
                    throw new FormatException($"vBucketMap row {rows.Count} has an entry that is not an integer");
                }
                row.Add(index);
            }
            rows.Add(row);
        }
        try
        {
            return new VBucketServerMap(algorithm, replicas, servers, new VBucketMap(rows, hasList ? servers.Count : serverCountWithoutList!.Value));
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message.Split(" (Parameter")[0]);
        }
    }

    /// <summary>"host:port" (or "host", port 11211) as a weight-1 server with twemproxy's default name.</summary>
    public static ServerConfig? ServerFromHostPort(string text)
    {
        var t = text.Trim();
        if (t.Length == 0 || t.Contains(' ') || t.StartsWith('/'))
        {
            return null;
        }
        // A bare host (no port, or an IPv6 literal without brackets) gets memcached's port.
        var colon = t.LastIndexOf(':');
        var hasPort = colon > 0 && t.IndexOf(':') == colon && !t.EndsWith(':') || t.StartsWith('[') && t.Contains("]:");
        return ConfigLoader.ParseServer(hasPort ? t + ":1" : t + ":11211:1");
    }
}
