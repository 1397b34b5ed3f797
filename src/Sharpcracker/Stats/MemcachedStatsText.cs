using System.Text;
using Sharpcracker.Engine;

namespace Sharpcracker.Stats;

/// <summary>
/// A pool's proxy view as text lines: twemproxy's pool counters ("client_eof 2"), then each
/// server's as "server_N_name" / "server_N_requests" … (N = the server's index in the pool, so
/// names use only [a-z0-9_] and stats parsers accept them). memcached "stats" uses
/// "STAT name value\r\n"; a Redis INFO section can use "name:value\r\n" (<see cref="AppendRedisInfo"/>).
/// </summary>
internal static class MemcachedStatsText
{
    public static void Append(StringBuilder sb, PoolStats pool) => AppendLines(sb, pool, "STAT ", ' ');

    /// <summary>The same lines in Redis INFO's "name:value" form (no section header).</summary>
    public static void AppendRedisInfo(StringBuilder sb, PoolStats pool) => AppendLines(sb, pool, "", ':');

    private static void AppendLines(StringBuilder sb, PoolStats pool, string prefix, char separator)
    {
        void Line(string name, string value) => sb.Append(prefix).Append(name).Append(separator).Append(value).Append("\r\n");
        void Number(string name, long value) => Line(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Number("client_eof", pool.ClientEofCount);
        Number("client_err", pool.ClientErrCount);
        Number("client_connections", pool.ClientConnections);
        Number("server_ejects", pool.ServerEjects);
        Number("forward_error", pool.ForwardError);
        Number("fragments", pool.Fragments);
        foreach (var (name, value) in pool.Cluster?.Counters() ?? [])
        {
            Number(name, value); // redis_cluster pools only
        }
        for (var i = 0; i < pool.Servers.Count; i++)
        {
            var s = pool.Servers[i];
            var q = s.SampleQueues();
            var p = "server_" + i + "_";
            Line(p + "name", s.Name.Replace(' ', '_'));
            Number(p + "server_eof", s.ServerEof);
            Number(p + "server_err", s.ServerErr);
            Number(p + "server_timedout", s.ServerTimedOut);
            Number(p + "server_connections", q.Connections);
            Number(p + "server_ejected_at", s.EjectedAtMicros);
            Number(p + "requests", s.Requests);
            Number(p + "request_bytes", s.RequestBytes);
            Number(p + "responses", s.Responses);
            Number(p + "response_bytes", s.ResponseBytes);
            Number(p + "in_queue", q.InQueue);
            Number(p + "in_queue_bytes", q.InQueueBytes);
            Number(p + "out_queue", q.OutQueue);
            Number(p + "out_queue_bytes", q.OutQueueBytes);
        }
    }
}
