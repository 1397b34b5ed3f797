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

    /// <summary>How many of <paramref name="keys"/> the server on <paramref name="port"/> holds, asked 100 keys a request.</summary>
    public static int CountPresent(int port, IReadOnlyList<string> keys)
    {
        using var client = new TextClient(port, 5000);
        var present = 0;
        for (var i = 0; i < keys.Count; i += 100)
        {
            var hits = client.CountHits(keys.Skip(i).Take(100));
            if (hits < 0)
            {
                throw new InvalidOperationException($"multi-get on port {port} failed: {client.LastError}");
            }
            present += hits;
        }
        return present;
    }
}
