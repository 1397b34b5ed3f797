using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// The operator console's paths on the metrics port (beside /metrics): the status page, its JSON,
/// health and readiness, key placement and the effective configuration. Everything is computed
/// when asked, from the counters and state the proxy keeps anyway.
/// </summary>
internal static class ConsoleRoutes
{
    /// <summary>Paths answered here, for the 404 text.</summary>
    public const string Paths = "/ /api/status /healthz /ready /route?pool=P&key=K /config /metrics";

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
            return HttpReply.Text(400, "usage: /route?pool=NAME&key=KEY (or key64=BASE64 for a binary key; format=text for plain text)\n");
        }
        var pools = view.Pools;
        var poolName = Get("pool") ?? (pools.Count == 1 ? pools[0].Name : null);
        if (poolName is null)
        {
            return HttpReply.Text(400, $"pool= is required: {string.Join(", ", pools.Select(p => p.Name))}\n");
        }
        var pool = pools.FirstOrDefault(p => p.Name == poolName);
        if (pool is null)
        {
            return HttpReply.Text(404, $"no pool '{poolName}'; pools: {string.Join(", ", pools.Select(p => p.Name))}\n");
        }
        var answer = RouteLookup.Live(pool, key);
        if (Get("format") == "text")
        {
            return HttpReply.Text(200, answer.Text());
        }
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, JsonText.WriterOptions))
        {
            answer.WriteJson(w);
        }
        return new HttpReply(200, HttpReply.Json, buffer.WrittenSpan.ToArray());
    }

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
