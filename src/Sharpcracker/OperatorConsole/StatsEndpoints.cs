using System.Net.Sockets;
using System.Text;
using Sharpcracker.Stats;

namespace Sharpcracker.OperatorConsole;

/// <summary>What the stats port and the metrics port answer.</summary>
internal static class StatsEndpoints
{
    /// <summary>twemproxy's stats port: the JSON document on connect, then close; nothing is read. With <paramref name="view"/>, listeners that route carry their route counters.</summary>
    public static Task ServeStatsPortAsync(Socket client, IProxyView? view, CancellationToken cancellationToken)
        => StatsTcpListener.SendAllAndShutdownAsync(client, TwemproxyStatsJson.Render(StatsRegistry.Pools, RouteTrees(view)), cancellationToken);

    /// <summary>The route trees of the listeners that route, by pool name.</summary>
    internal static Dictionary<string, Pools.Routes.RouteTree> RouteTrees(IProxyView? view)
    {
        var trees = new Dictionary<string, Pools.Routes.RouteTree>(StringComparer.Ordinal);
        foreach (var pool in view?.Pools ?? [])
        {
            if (pool.Routes is { } tree)
            {
                trees.TryAdd(pool.Name, tree);
            }
        }
        return trees;
    }

    private const int MaxRequestHead = 8192;

    /// <summary>
    /// A minimal HTTP/1.x responder: reads the request head (bounded), answers one response and
    /// closes. GET (or HEAD) /metrics → the Prometheus exposition; the operator console's paths
    /// (<see cref="ConsoleRoutes"/>) when <paramref name="view"/> is given; another path → 404;
    /// another method → 405; a malformed or oversized head → 400.
    /// </summary>
    public static async Task ServeHttpAsync(Socket client, IProxyView? view, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxRequestHead];
        var length = 0;
        var headEnd = -1;
        while (headEnd < 0)
        {
            if (length == buffer.Length)
            {
                await RespondAsync(client, HttpReply.Text(400, "request head too large\n"), false, cancellationToken).ConfigureAwait(false);
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
            await RespondAsync(client, HttpReply.Text(400, "bad request line\n"), false, cancellationToken).ConfigureAwait(false);
            return;
        }
        var (method, target) = (requestLine[0], requestLine[1]);
        var question = target.IndexOf('?');
        var (path, query) = question < 0 ? (target, "") : (target[..question], target[(question + 1)..]);
        var headOnly = method == "HEAD";
        if (method is not ("GET" or "HEAD"))
        {
            await RespondAsync(client, HttpReply.Text(405, "only GET and HEAD\n"), false, cancellationToken).ConfigureAwait(false);
            return;
        }
        HttpReply? reply;
        if (path == "/metrics")
        {
            reply = new HttpReply(200, PrometheusExposition.ContentType, Encoding.UTF8.GetBytes(PrometheusExposition.Render(StatsRegistry.Pools, view)));
        }
        else
        {
            reply = view is null ? null : await ConsoleRoutes.HandleAsync(view, path, query, cancellationToken).ConfigureAwait(false);
        }
        reply ??= HttpReply.Text(404, view is null ? "try /metrics\n" : "try one of: " + ConsoleRoutes.Paths + "\n");
        await RespondAsync(client, reply, headOnly, cancellationToken).ConfigureAwait(false);
    }

    private static Task RespondAsync(Socket client, HttpReply reply, bool headOnly, CancellationToken cancellationToken)
    {
        // Console answers are live: never cached by a browser or a proxy in between.
        var header = $"HTTP/1.1 {reply.Status} {reply.Reason}\r\nContent-Type: {reply.ContentType}\r\nContent-Length: {reply.Body.Length}\r\n"
            + $"Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n{reply.ExtraHeaders}Connection: close\r\n\r\n";
        var headerBytes = Encoding.ASCII.GetBytes(header);
        var response = new byte[headerBytes.Length + (headOnly ? 0 : reply.Body.Length)];
        headerBytes.CopyTo(response, 0);
        if (!headOnly)
        {
            reply.Body.CopyTo(response, headerBytes.Length);
        }
        return StatsTcpListener.SendAllAndShutdownAsync(client, response, cancellationToken);
    }
}
