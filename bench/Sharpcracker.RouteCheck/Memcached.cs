namespace Sharpcracker.RouteCheck;

/// <summary>Direct requests to memcached servers, around the proxy: flushing, counting what a server holds.</summary>
internal static class Memcached
{
    public static void FlushAll(IEnumerable<ChildProcess> servers)
    {
        foreach (var server in servers)
        {
            using var client = new TextClient(server.Port, 5000);
            if (!client.FlushAll())
            {
                throw new InvalidOperationException($"flush_all on {server.Name} (port {server.Port}) failed: {client.LastError}");
            }
        }
    }

    /// <summary>What the server on <paramref name="port"/> holds of <paramref name="keys"/> (key → number), asked 100 keys a request.</summary>
    public static Dictionary<string, long> Values(int port, IReadOnlyList<string> keys)
    {
        using var client = new TextClient(port, 5000);
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i += 100)
        {
            if (!client.GetMany(keys.Skip(i).Take(100), values))
            {
                throw new InvalidOperationException($"multi-get on port {port} failed: {client.LastError}");
            }
        }
        return values;
    }
}
