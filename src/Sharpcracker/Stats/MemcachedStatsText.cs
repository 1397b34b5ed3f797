using System.Text;

namespace Sharpcracker.Stats;

/// <summary>
/// The pool's proxy view for the memcached "stats" command: twemproxy's pool counters as
/// "STAT name value" lines, then each server's as "STAT server_N_name value" (N = the server's
/// index in the pool; names use only [a-z0-9_] so memcached stats parsers accept them).
/// Redis INFO prints the same counters as "name:value" lines (<see cref="AppendRedisInfo"/>).
/// </summary>
internal static class MemcachedStatsText
{
    public static void Append(StringBuilder sb, PoolStats pool) => Append(sb, pool, "STAT ", ' ');

    /// <summary>The same counters, same names, as Redis INFO lines ("name:value").</summary>
    public static void AppendRedisInfo(StringBuilder sb, PoolStats pool) => Append(sb, pool, "", ':');

    private static void Append(StringBuilder sb, PoolStats pool, string linePrefix, char separator)
    {
        void Line(StringBuilder sb, string name, long value) => sb.Append(linePrefix).Append(name).Append(separator).Append(value).Append("\r\n");

        Line(sb, "client_eof", pool.ClientEofCount);
        Line(sb, "client_err", pool.ClientErrCount);
        Line(sb, "client_connections", pool.ClientConnections);
        Line(sb, "server_ejects", pool.ServerEjects);
        Line(sb, "forward_error", pool.ForwardError);
        Line(sb, "fragments", pool.Fragments);
        for (var i = 0; i < pool.Servers.Count; i++)
        {
            var s = pool.Servers[i];
            var q = s.SampleQueues();
            var prefix = "server_" + i + "_";
            sb.Append(linePrefix).Append(prefix).Append("name").Append(separator).Append(s.Name.Replace(' ', '_')).Append("\r\n");
            Line(sb, prefix + "server_eof", s.ServerEof);
            Line(sb, prefix + "server_err", s.ServerErr);
            Line(sb, prefix + "server_timedout", s.ServerTimedOut);
            Line(sb, prefix + "server_connections", q.Connections);
            Line(sb, prefix + "server_ejected_at", s.EjectedAtMicros);
            Line(sb, prefix + "requests", s.Requests);
            Line(sb, prefix + "request_bytes", s.RequestBytes);
            Line(sb, prefix + "responses", s.Responses);
            Line(sb, prefix + "response_bytes", s.ResponseBytes);
            Line(sb, prefix + "in_queue", q.InQueue);
            Line(sb, prefix + "in_queue_bytes", q.InQueueBytes);
            Line(sb, prefix + "out_queue", q.OutQueue);
            Line(sb, prefix + "out_queue_bytes", q.OutQueueBytes);
        }
    }
}
