using System.Buffers;
using System.Text.Json;
using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;
using Sharpcracker.Stats;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// /api/status, what the status page polls: the same counters the stats port and /metrics read
/// (totals since start; the page turns two samples into rates), plus what only the console
/// shows — each server's state, last error and ejections, recent reloads, readiness, workers.
/// Built on request from interlocked reads; nothing is kept or updated on the request path.
/// </summary>
internal static class StatusJson
{
    public static byte[] Render(IProxyView view, ReadinessReport readiness)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var w = new Utf8JsonWriter(buffer, JsonText.WriterOptions))
        {
            var now = DateTimeOffset.UtcNow;
            var pools = view.Pools;
            var totals = ConnectionTotals.Of(StatsRegistry.Pools);
            w.WriteStartObject();
            w.WriteString("service", TwemproxyStatsJson.Service);
            w.WriteString("version", ProcessFacts.Version);
            w.WriteString("source", Environment.MachineName);
            w.WriteNumber("pid", Environment.ProcessId);
            w.WriteNumber("timestamp_ms", now.ToUnixTimeMilliseconds());
            w.WriteNumber("uptime_s", (long)(now.UtcDateTime - ProcessFacts.StartTime).TotalSeconds);
            w.WriteNumber("curr_connections", totals.Current);
            w.WriteNumber("total_connections", totals.Total);
            w.WriteNumber("cpu_s", Environment.CpuUsage.TotalTime.TotalSeconds);
            w.WriteNumber("rss_bytes", Environment.WorkingSet);
            w.WriteBoolean("ready", readiness.Ready);
            w.WriteStartArray("latency_bounds_s");
            foreach (var bound in LatencyHistogram.BoundsSeconds)
            {
                w.WriteNumberValue(bound);
            }
            w.WriteEndArray();
            w.WriteStartArray("command_classes");
            foreach (var name in CommandClasses.Names)
            {
                w.WriteStringValue(name);
            }
            w.WriteEndArray();
            WriteWorkers(w, view);
            WriteReloads(w);
            w.WriteStartArray("pools");
            foreach (var pool in pools)
            {
                WritePool(w, pool, readiness.Pools.FirstOrDefault(r => r.Pool == pool.Name));
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteWorkers(Utf8JsonWriter w, IProxyView view)
    {
        w.WriteStartArray("workers");
        foreach (var (worker, clients, requests) in view.WorkerLoads)
        {
            w.WriteStartObject();
            w.WriteNumber("worker", worker);
            w.WriteNumber("clients", clients);
            w.WriteNumber("requests", requests);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteReloads(Utf8JsonWriter w)
    {
        w.WriteStartObject("reloads");
        w.WriteNumber("applied", ConfigReloadCounters.Reloads);
        w.WriteNumber("refused", ConfigReloadCounters.Failures);
        w.WriteStartArray("recent");
        foreach (var e in ReloadHistory.Recent())
        {
            w.WriteStartObject();
            w.WriteNumber("at_ms", e.AtUnixMs);
            w.WriteString("trigger", e.Trigger);
            w.WriteBoolean("applied", e.Applied);
            w.WriteString("summary", e.Summary);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WritePool(Utf8JsonWriter w, ServerPool pool, PoolReadiness? readiness)
    {
        var config = pool.Config;
        var stats = pool.Stats;
        w.WriteStartObject();
        w.WriteString("name", pool.Name);
        w.WriteString("listen", config.Listen.Text); // "" for a pool that serves routes only
        w.WriteBoolean("routes_only", config.ServesRoutesOnly);
        w.WriteString("protocol", config.Redis ? "redis" : "memcached");
        w.WriteString("distribution", DistributionKinds.Name(config.Distribution));
        w.WriteString("hash", KeyHasher.Name(config.Hash));
        w.WriteString("hash_tag", config.HashTag);
        w.WriteBoolean("auto_eject_hosts", config.AutoEjectHosts);
        if (config.HealthCheckIntervalMs is { } healthCheck)
        {
            w.WriteNumber("health_check_interval_ms", healthCheck);
        }
        else
        {
            w.WriteNull("health_check_interval_ms");
        }
        w.WriteBoolean("ready", readiness?.Ready ?? false);
        w.WriteString("ready_reason", readiness?.Reason ?? "");
        w.WriteNumber("client_connections", stats.ClientConnections);
        w.WriteNumber("clients_accepted", stats.ClientsAccepted);
        w.WriteNumber("client_eof", stats.ClientEofCount);
        w.WriteNumber("client_err", stats.ClientErrCount);
        w.WriteNumber("server_ejects", stats.ServerEjects);
        w.WriteNumber("forward_error", stats.ForwardError);
        w.WriteNumber("fragments", stats.Fragments);
        if (pool.Routes is { } tree)
        {
            RouteTreeJson.Write(w, tree);
        }

        var counts = new long[CommandClasses.Count][];
        var sums = new long[CommandClasses.Count];
        for (var c = 0; c < counts.Length; c++)
        {
            counts[c] = new long[LatencyHistogram.BucketCount];
        }
        var now = Environment.TickCount64;
        var timestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        w.WriteStartArray("servers");
        foreach (var server in pool.Servers)
        {
            var s = server.Stats;
            var q = s.SampleQueues();
            var health = server.Health;
            for (var c = 0; c < counts.Length; c++)
            {
                sums[c] += s.AddLatencyTo(c, counts[c]);
            }
            w.WriteStartObject();
            w.WriteString("name", server.Name);
            w.WriteString("address", server.Config.EndpointText);
            w.WriteNumber("weight", server.Config.Weight);
            w.WriteString("state", ServerStates.Name(ServerStates.Of(health, now)));
            w.WriteNumber("failures", health.Failures);
            w.WriteString("last_error", health.Failures > 0 || health.IsEjected ? health.LastError : null);
            w.WriteNumber("ejections", health.Ejections);
            w.WriteNumber("ejected_at_ms", health.EjectedAtUnixMs);
            if (s.LastReplyAgeMs(timestamp) is { } age)
            {
                w.WriteNumber("last_reply_age_ms", age); // to a request or a health check
            }
            else
            {
                w.WriteNull("last_reply_age_ms"); // never answered
            }
            w.WriteNumber("connections", q.Connections);
            w.WriteNumber("requests", s.Requests);
            w.WriteNumber("responses", s.Responses);
            w.WriteNumber("request_bytes", s.RequestBytes);
            w.WriteNumber("response_bytes", s.ResponseBytes);
            w.WriteNumber("server_eof", s.ServerEof);
            w.WriteNumber("server_err", s.ServerErr);
            w.WriteNumber("server_timedout", s.ServerTimedOut);
            w.WriteNumber("in_queue", q.InQueue);
            w.WriteNumber("out_queue", q.OutQueue);
            w.WriteNumber("dedicated_connections", s.DedicatedConnections);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        // Per command class, the pool's latency histogram (bucket counts, not cumulative) and sum.
        w.WriteStartObject("latency");
        for (var c = 0; c < counts.Length; c++)
        {
            w.WriteStartObject(CommandClasses.Names[c]);
            w.WriteNumber("sum_s", LatencyHistogram.TicksToSeconds(sums[c]));
            w.WriteStartArray("buckets");
            foreach (var n in counts[c])
            {
                w.WriteNumberValue(n);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
