namespace Sharpcracker.Hosting;

/// <summary>The -D output: nutcracker's stat descriptions in its layout.</summary>
internal static class StatsDescription
{
    private static readonly (string Name, string Description)[] s_pool =
    [
        ("client_eof", "# eof on client connections"),
        ("client_err", "# errors on client connections"),
        ("client_connections", "# active client connections"),
        ("server_ejects", "# times backend server was ejected"),
        ("forward_error", "# times we encountered a forwarding error"),
        ("fragments", "# fragments created from a multi-vector request"),
    ];

    private static readonly (string Name, string Description)[] s_server =
    [
        ("server_eof", "# eof on server connections"),
        ("server_err", "# errors on server connections"),
        ("server_timedout", "# timeouts on server connections"),
        ("server_connections", "# active server connections"),
        ("server_ejected_at", "timestamp when server was ejected in usec since epoch"),
        ("requests", "# requests"),
        ("request_bytes", "total request bytes"),
        ("responses", "# responses"),
        ("response_bytes", "total response bytes"),
        ("in_queue", "# requests in incoming queue"),
        ("in_queue_bytes", "current request bytes in incoming queue"),
        ("out_queue", "# requests in outgoing queue"),
        ("out_queue_bytes", "current request bytes in outgoing queue"),
    ];

    private static readonly (string Name, string Description)[] s_ours =
    [
        ("fragments", "counted for real: per-server parts of split multi-key requests"),
        ("forward_error", "requests failed because no server was available or their server connection failed"),
        ("total_connections", "listeners + client connections + server connections ever opened (as twemproxy)"),
        ("curr_connections", "listeners + client connections + server connections open now (as twemproxy)"),
        ("request latency", "/metrics: sharpcracker_server_request_duration_seconds{pool,server,command}, sharpcracker_request_duration_seconds{pool,command}"),
        ("values", "live when read (twemproxy: the last -i interval's snapshot)"),
        ("server_connections", "open now over all workers: each worker has server_connections connections to every server, plus dedicated ones"),
        ("dedicated_connections", "Redis pools: dedicated connections open now (blocking commands, transactions, subscriptions; at most dedicated_connections per server)"),
        ("dedicated_connections_opened", "Redis pools: dedicated connections created since start (idle ones are reused)"),
        ("cluster_*", "redis_cluster pools: cluster_refreshes, cluster_refresh_failures, cluster_map_changes, cluster_moved, cluster_ask, cluster_redirect_limit (docs/redis.md)"),
        ("workers", "worker threads (--threads, default one per processor); memcached `stats` threads, /metrics sharpcracker_workers and sharpcracker_worker_clients{worker}"),
    ];

    /// <summary>-D's header line for the worker count this process would run with.</summary>
    public static string WorkersLine(int workers) => $"workers: {workers} (each an event loop owning its clients and its own connections to every server)\n";

    public static string Render()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("pool stats:\n");
        foreach (var (name, description) in s_pool)
        {
            sb.Append("  ").Append(name.PadRight(20)).Append('"').Append(description).Append("\"\n");
        }
        sb.Append("\nserver stats:\n");
        foreach (var (name, description) in s_server)
        {
            sb.Append("  ").Append(name.PadRight(20)).Append('"').Append(description).Append("\"\n");
        }
        // Ours: what the stats port's counters mean here, and what only /metrics has.
        sb.Append("\nsharpcracker notes:\n");
        foreach (var (name, description) in s_ours)
        {
            sb.Append("  ").Append(name.PadRight(20)).Append('"').Append(description).Append("\"\n");
        }
        return sb.ToString();
    }
}
