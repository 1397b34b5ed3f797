namespace Sharpcracker.Testing;

/// <summary>The keys of twemproxy's stats JSON, in its order, at the top, per pool and per server.</summary>
internal static class TwemproxyStatsKeys
{
    public static readonly string[] Top = ["service", "source", "version", "uptime", "timestamp", "total_connections", "curr_connections"];
    public static readonly string[] Pool = ["client_eof", "client_err", "client_connections", "server_ejects", "forward_error", "fragments"];
    public static readonly string[] Server =
    [
        "server_eof", "server_err", "server_timedout", "server_connections", "server_ejected_at", "requests", "request_bytes",
        "responses", "response_bytes", "in_queue", "in_queue_bytes", "out_queue", "out_queue_bytes",
    ];
}
