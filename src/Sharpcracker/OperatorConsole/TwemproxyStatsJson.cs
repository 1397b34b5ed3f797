using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools.Routes;
using Sharpcracker.Stats;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// The stats port's document, byte for byte in twemproxy's layout and key order (top level,
/// then each pool's counters followed by its servers), so parsers written for nutcracker work.
/// Values are read live when a client connects (twemproxy shows the previous aggregation
/// interval's snapshot; -i is accepted for compatibility and does not delay anything).
/// </summary>
internal static class TwemproxyStatsJson
{
    public const string Service = "sharpcracker";

    /// <param name="routes">The route trees of listeners that route, by pool name (docs/routes.md): each counting node's counters are numbers in the listener's object.</param>
    public static byte[] Render(IReadOnlyList<PoolStats> pools, IReadOnlyDictionary<string, RouteTree>? routes = null) => Encoding.UTF8.GetBytes(RenderText(pools, routes));

    public static string RenderText(IReadOnlyList<PoolStats> pools, IReadOnlyDictionary<string, RouteTree>? routes = null)
    {
        var now = DateTimeOffset.UtcNow;
        var totals = ConnectionTotals.Of(pools);
        var sb = new StringBuilder(1024);
        sb.Append("{\"service\":\"").Append(Service).Append("\", ");
        sb.Append("\"source\":").Append(Quote(Environment.MachineName)).Append(", ");
        sb.Append("\"version\":\"").Append(ProcessFacts.Version).Append("\", ");
        sb.Append("\"uptime\":").Append((long)(now.UtcDateTime - ProcessFacts.StartTime).TotalSeconds).Append(", ");
        sb.Append("\"timestamp\":").Append(now.ToUnixTimeSeconds()).Append(", ");
        sb.Append("\"total_connections\":").Append(totals.Total).Append(", ");
        sb.Append("\"curr_connections\":").Append(totals.Current);
        var firstPool = true;
        foreach (var pool in pools)
        {
            // twemproxy's separators: ", " before the first pool, "," between pools and servers.
            sb.Append(firstPool ? ", " : ",").Append(Quote(pool.Name)).Append(": {");
            firstPool = false;
            sb.Append("\"client_eof\":").Append(pool.ClientEofCount).Append(", ");
            sb.Append("\"client_err\":").Append(pool.ClientErrCount).Append(", ");
            sb.Append("\"client_connections\":").Append(pool.ClientConnections).Append(", ");
            sb.Append("\"server_ejects\":").Append(pool.ServerEjects).Append(", ");
            sb.Append("\"forward_error\":").Append(pool.ForwardError).Append(", ");
            sb.Append("\"fragments\":").Append(pool.Fragments);
            foreach (var (name, value) in pool.Cluster?.Counters() ?? [])
            {
                sb.Append(", \"").Append(name).Append("\":").Append(value); // redis_cluster pools only
            }
            if (pool.Replicated)
            {
                sb.Append(", \"failovers\":").Append(pool.Failovers);
            }
            if (routes is not null && routes.TryGetValue(pool.Name, out var tree))
            {
                // Flat numbers named "<node path> <counter>": twemproxy's parsers read a pool's
                // numbers as pool counters and its objects as servers, so a nested object would
                // be taken for a server.
                foreach (var node in RouteStats.CountingNodes(tree))
                {
                    foreach (var counter in RouteStats.Counted(node))
                    {
                        sb.Append(", ").Append(Quote(node.Path + " " + RouteStats.Name(counter))).Append(':').Append(node.Counters.Total(counter));
                    }
                }
            }
            var first = true;
            foreach (var server in pool.Servers)
            {
                var q = server.SampleQueues();
                sb.Append(first ? ", " : ",").Append(Quote(server.Name)).Append(": {");
                first = false;
                sb.Append("\"server_eof\":").Append(server.ServerEof).Append(", ");
                sb.Append("\"server_err\":").Append(server.ServerErr).Append(", ");
                sb.Append("\"server_timedout\":").Append(server.ServerTimedOut).Append(", ");
                sb.Append("\"server_connections\":").Append(q.Connections).Append(", ");
                sb.Append("\"server_ejected_at\":").Append(server.EjectedAtMicros).Append(", ");
                sb.Append("\"requests\":").Append(server.Requests).Append(", ");
                sb.Append("\"request_bytes\":").Append(server.RequestBytes).Append(", ");
                sb.Append("\"responses\":").Append(server.Responses).Append(", ");
                sb.Append("\"response_bytes\":").Append(server.ResponseBytes).Append(", ");
                sb.Append("\"in_queue\":").Append(q.InQueue).Append(", ");
                sb.Append("\"in_queue_bytes\":").Append(q.InQueueBytes).Append(", ");
                sb.Append("\"out_queue\":").Append(q.OutQueue).Append(", ");
                sb.Append("\"out_queue_bytes\":").Append(q.OutQueueBytes);
                if (pool.Redis)
                {
                    // Redis pools (docs/redis.md "Dedicated connections"): open now (idle or lent), and created since start.
                    sb.Append(", \"dedicated_connections\":").Append(server.DedicatedConnections);
                    sb.Append(", \"dedicated_connections_opened\":").Append(server.DedicatedConnectionsOpened);
                }
                if (pool.Replicated && server.Replication is { } replication)
                {
                    // Replication groups only (docs/redis.md): the role ROLE reported, the group, routed reads and writes.
                    sb.Append(", \"role\":").Append(Quote(replication.Role));
                    sb.Append(", \"group\":").Append(Quote(replication.Group ?? "master"));
                    sb.Append(", \"reads\":").Append(replication.Reads.Sum);
                    sb.Append(", \"writes\":").Append(replication.Writes.Sum);
                }
                sb.Append('}');
            }
            sb.Append('}');
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>A JSON string literal (twemproxy does not escape; we do, so the document always parses).</summary>
    internal static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case < ' ': sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }
}
