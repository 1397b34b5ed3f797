using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.Stats;

/// <summary>What the stats port and the metrics port answer.</summary>
internal static class StatsEndpoints
{
    /// <summary>twemproxy's stats port: the JSON document on connect, then close; nothing is read.</summary>
    public static Task ServeStatsPortAsync(Socket client, CancellationToken cancellationToken)
        => StatsTcpListener.SendAllAndShutdownAsync(client, TwemproxyStatsJson.Render(StatsRegistry.Pools), cancellationToken);

    private const int MaxRequestHead = 8192;

    /// <summary>
    /// A minimal HTTP/1.x responder: reads the request head (bounded), answers one response and
    /// closes. GET (or HEAD) /metrics → the Prometheus exposition; another path → 404; another
    /// method → 405; a malformed or oversized head → 400.
    /// </summary>
    public static async Task ServeMetricsAsync(Socket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxRequestHead];
        var length = 0;
        var headEnd = -1;
        while (headEnd < 0)
        {
            if (length == buffer.Length)
            {
                await RespondAsync(client, 400, "Bad Request", "text/plain", "request head too large\n", false, cancellationToken).ConfigureAwait(false);
                return;
            }
            var n = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return;
            }
            length += n;
            headEnd = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (headEnd < 0)
            {
                headEnd = buffer.AsSpan(0, length).IndexOf("\n\n"u8);
            }
        }
        var head = Encoding.ASCII.GetString(buffer, 0, headEnd);
        var requestLine = head.Split('\n')[0].TrimEnd('\r').Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            await RespondAsync(client, 400, "Bad Request", "text/plain", "bad request line\n", false, cancellationToken).ConfigureAwait(false);
            return;
        }
        var (method, target) = (requestLine[0], requestLine[1]);
        var path = target.Split('?')[0];
        if (method is not ("GET" or "HEAD"))
        {
            await RespondAsync(client, 405, "Method Not Allowed", "text/plain", "only GET and HEAD\n", method == "HEAD", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (path != "/metrics")
        {
            await RespondAsync(client, 404, "Not Found", "text/plain", "try /metrics\n", method == "HEAD", cancellationToken).ConfigureAwait(false);
            return;
        }
        var body = PrometheusExposition.Render(StatsRegistry.Pools);
        await RespondAsync(client, 200, "OK", PrometheusExposition.ContentType, body, method == "HEAD", cancellationToken).ConfigureAwait(false);
    }

    private static Task RespondAsync(Socket client, int status, string reason, string contentType, string body, bool headOnly, CancellationToken cancellationToken)
    {
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var header = $"HTTP/1.1 {status} {reason}\r\nContent-Type: {contentType}\r\nContent-Length: {bodyBytes.Length}\r\nConnection: close\r\n\r\n";
        var headerBytes = Encoding.ASCII.GetBytes(header);
        var response = new byte[headerBytes.Length + (headOnly ? 0 : bodyBytes.Length)];
        headerBytes.CopyTo(response, 0);
        if (!headOnly)
        {
            bodyBytes.CopyTo(response, headerBytes.Length);
        }
        return StatsTcpListener.SendAllAndShutdownAsync(client, response, cancellationToken);
    }
}
