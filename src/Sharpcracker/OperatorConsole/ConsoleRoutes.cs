using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// The operator console's paths on the metrics port (beside /metrics): the status page, its JSON,
/// health and readiness, key placement and the effective configuration. Everything is computed
/// when asked, from the counters and state the proxy keeps anyway.
/// </summary>
internal static class ConsoleRoutes
{
    /// <summary>Paths answered here, for the 404 text.</summary>
    public const string Paths = "/ /api/status /healthz /ready /route?pool=P&key=K[&op=get|update|delete|other] /config /metrics";

    // The page carries its script and style inline; this forbids anything from elsewhere.
    private const string PageHeaders =
        "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:\r\n";

    /// <summary>The reply for <paramref name="path"/>, or null when the path is not the console's.</summary>
    public static async Task<HttpReply?> HandleAsync(IProxyView view, string path, string query, CancellationToken cancellationToken)
    {
        switch (path)
        {
            case "/":
            case "/index.html":
                return new HttpReply(200, "text/html; charset=utf-8", StatusPage.Html, PageHeaders);
            case "/api/status":
                return new HttpReply(200, HttpReply.Json, StatusJson.Render(view, Readiness.Passive(view)));
            case "/healthz":
                return HttpReply.Text(200, "ok\n");
            case "/ready":
                var report = await Readiness.CheckAsync(view, probe: true, cancellationToken).ConfigureAwait(false);
                return HttpReply.Text(report.Ready ? 200 : 503, report.Describe());
            case "/route":
                return Route(view, ParseQuery(query));
            case "/config":
                return HttpReply.Text(200, ConfigView.Render(view.Config));
            default:
                return null;
        }
    }

    private static HttpReply Route(IProxyView view, Dictionary<string, byte[]> query)
    {
        string? Get(string name) => query.TryGetValue(name, out var v) ? Encoding.UTF8.GetString(v) : null;
        byte[] key;
        if (query.TryGetValue("key", out var plain))
        {
            key = plain;
        }
        else if (Get("key64") is { } b64)
        {
            try
            {
                key = Convert.FromBase64String(b64);
            }
            catch (FormatException)
            {
                return HttpReply.Text(400, "key64 is not valid base64\n");
            }
        }
        else
        {
            return HttpReply.Text(400, "usage: /route?pool=NAME&key=KEY (or key64=BASE64 for a binary key; op=get|update|delete|other for one operation of a listener that routes; format=text for plain text)\n");
        }
        var pools = view.Pools;
        var listening = pools.Where(p => !p.Config.ServesRoutesOnly).ToList();
        var poolName = Get("pool") ?? (listening.Count == 1 ? listening[0].Name : null);
        if (poolName is null)
        {
            return HttpReply.Text(400, $"pool= is required: {string.Join(", ", pools.Select(p => p.Name))}\n");
        }
        var pool = pools.FirstOrDefault(p => p.Name == poolName);
        if (pool is null)
        {
            return HttpReply.Text(404, $"no pool '{poolName}'; pools: {string.Join(", ", pools.Select(p => p.Name))}\n");
        }
        RouteOperation? operation = null;
        if (Get("op") is { } op)
        {
            if (ParseOperation(op) is not { } parsed)
            {
                return HttpReply.Text(400, $"op '{op}' is not one of get, update, delete, other\n");
            }
            operation = parsed;
        }
        var buffer = new ArrayBufferWriter<byte>();
        string text;
        using (var w = new Utf8JsonWriter(buffer, JsonText.WriterOptions))
        {
            if (pool.Routes is { } tree)
            {
                var routed = RouteLookup.LiveRoutes(pool, tree, key, operation);
                text = routed.Text();
                routed.WriteJson(w);
            }
            else
            {
                var answer = RouteLookup.Live(pool, key);
                text = answer.Text();
                answer.WriteJson(w);
            }
        }
        return Get("format") == "text" ? HttpReply.Text(200, text) : new HttpReply(200, HttpReply.Json, buffer.WrittenSpan.ToArray());
    }

    /// <summary>An operation class as /route's op= and <c>--route-op</c> name it.</summary>
    internal static RouteOperation? ParseOperation(string name) => name switch
    {
        "get" => RouteOperation.Get,
        "update" => RouteOperation.Update,
        "delete" => RouteOperation.Delete,
        "other" => RouteOperation.Other,
        _ => null,
    };

    /// <summary>name=value pairs, percent-decoded to bytes (a key may be any bytes); the first of a repeated name wins.</summary>
    internal static Dictionary<string, byte[]> ParseQuery(string query)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var name = Encoding.UTF8.GetString(Decode(eq < 0 ? pair : pair[..eq]));
            result.TryAdd(name, Decode(eq < 0 ? "" : pair[(eq + 1)..]));
        }
        return result;
    }

    private static byte[] Decode(string s)
    {
        var bytes = Encoding.Latin1.GetBytes(s);
        return WebUtility.UrlDecodeToBytes(bytes, 0, bytes.Length) ?? [];
    }
}
