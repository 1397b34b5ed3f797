using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Pools;

namespace Sharpcracker.ControlPlane.Moxi;

/// <summary>
/// Follows a membase/Couchbase streaming bucket config (<c>…/bucketsStreamingConfig/…</c>): one
/// long HTTP response (usually chunked) carrying successive JSON documents, each with a
/// <c>vBucketServerMap</c>. Every valid map is handed to <c>onMap</c>; an invalid document is
/// logged and skipped (the last good map keeps serving). When the stream ends or breaks, the
/// next URL is tried (failover, round robin) after a backoff that doubles up to
/// <see cref="ProxyTimings.VBucketStreamMaxBackoff"/> and resets once a connection delivered a map.
/// </summary>
internal sealed class VBucketStreamClient : IAsyncDisposable
{
    private readonly IReadOnlyList<Uri> _urls;
    private readonly Func<VBucketServerMap, Task> _onMap;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _connections;

    public VBucketStreamClient(IReadOnlyList<Uri> urls, Func<VBucketServerMap, Task> onMap, ILogger logger, ProxyTimings? timings = null)
    {
        _timings = timings ?? ProxyTimings.Default;
        if (urls.Count == 0)
        {
            throw new ArgumentException("at least one URL is needed", nameof(urls));
        }
        _urls = urls;
        _onMap = onMap;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), UseProxy = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    private readonly ProxyTimings _timings;

    /// <summary>Stream connections opened so far (for tests and diagnostics).</summary>
    public long Connections => Interlocked.Read(ref _connections);

    public void Start() => _loop ??= Task.Run(RunAsync);

    private async Task RunAsync()
    {
        var backoff = _timings.VBucketStreamInitialBackoff;
        var next = 0;
        while (!_stop.IsCancellationRequested)
        {
            var url = _urls[next];
            next = (next + 1) % _urls.Count;
            var delivered = false;
            try
            {
                delivered = await FollowAsync(url, _stop.Token).ConfigureAwait(false);
                _logger.VBucketStreamEnded(Redact(url));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.VBucketStreamFailed(Redact(url), e.Message);
            }
            if (delivered)
            {
                backoff = _timings.VBucketStreamInitialBackoff;
            }
            try
            {
                await Task.Delay(backoff, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _timings.VBucketStreamMaxBackoff.Ticks));
        }
    }

    /// <summary>Reads one stream until it ends. True when it delivered at least one valid map.</summary>
    private async Task<bool> FollowAsync(Uri url, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            // http://user:password@host/… as moxi accepted: HTTP basic auth.
            var credentials = Uri.UnescapeDataString(url.UserInfo);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        Interlocked.Increment(ref _connections);
        _logger.VBucketStreamConnected(Redact(url));
        await using var body = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        var splitter = new JsonDocumentSplitter();
        var buffer = new byte[16 * 1024];
        var delivered = false;
        while (true)
        {
            var n = await body.ReadAsync(buffer, cancel).ConfigureAwait(false);
            if (n == 0)
            {
                return delivered;
            }
            foreach (var document in splitter.Feed(buffer.AsSpan(0, n)))
            {
                VBucketServerMap map;
                try
                {
                    map = VBucketServerMap.Parse(Encoding.UTF8.GetString(document));
                }
                catch (FormatException e)
                {
                    _logger.VBucketConfigRefused(Redact(url), e.Message);
                    ConfigReloadCounters.CountFailure();
                    continue;
                }
                await _onMap(map).ConfigureAwait(false);
                delivered = true;
            }
        }
    }

    private static string Redact(Uri url) => string.IsNullOrEmpty(url.UserInfo) ? url.ToString() : url.ToString().Replace(url.UserInfo + "@", "***@", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _http.Dispose();
        _stop.Dispose();
    }
}
