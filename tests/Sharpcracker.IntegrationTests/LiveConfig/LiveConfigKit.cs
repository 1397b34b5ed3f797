using System.Text;
using Sharpcracker.Hosting;

namespace Sharpcracker.IntegrationTests.LiveConfig;

/// <summary>Helpers shared by the live-configuration tests: direct backend reads and a verifying pipelined client.</summary>
internal static class LiveConfigKit
{
    /// <summary>The value stored under the key on one memcached, read directly (null: miss).</summary>
    public static async Task<string?> GetDirectAsync(int port, string key)
    {
        using var connection = new McConnection(port);
        await connection.SendAsync($"get {key}\r\n");
        var line = await connection.ReadLineAsync();
        if (line == "END")
        {
            return null;
        }
        var parts = line.Split(' ');
        Assert.Equal("VALUE", parts[0]);
        var data = await connection.ReadExactlyAsync(int.Parse(parts[3]) + 2);
        Assert.Equal("END", await connection.ReadLineAsync());
        return Encoding.Latin1.GetString(data, 0, data.Length - 2);
    }

    /// <summary>Ports (of <paramref name="backends"/>) that hold the key with exactly this value.</summary>
    public static async Task<List<int>> HoldersAsync(string key, string value, IEnumerable<int> backends)
    {
        var holders = new List<int>();
        foreach (var port in backends)
        {
            if (await GetDirectAsync(port, key) == value)
            {
                holders.Add(port);
            }
        }
        return holders;
    }

    /// <summary>Sets the key through the proxy (one connection per call) and checks the reply.</summary>
    public static async Task SetThroughAsync(int proxyPort, string key, string value)
    {
        using var connection = new McConnection(proxyPort);
        Assert.Equal("STORED", (await connection.RoundTripAsync($"set {key} 0 0 {value.Length}\r\n{value}\r\n", "STORED\r\n")).TrimEnd());
    }

    /// <summary>Sets the key through the proxy; false when the reply is not STORED (e.g. no server yet).</summary>
    public static async Task<bool> TrySetThroughAsync(int proxyPort, string key, string value)
    {
        using var connection = new McConnection(proxyPort);
        await connection.SendAsync($"set {key} 0 0 {value.Length}\r\n{value}\r\n");
        return await connection.ReadLineAsync() == "STORED";
    }

    /// <summary>Polls a condition until it holds or the deadline passes (generous: the machine is shared).</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(50); // polling a placement; there is no event to await
        }
        return await condition();
    }

    /// <summary>The memcached stats of the proxy (its own "stats" reply) as a dictionary.</summary>
    public static async Task<Dictionary<string, string>> ProxyStatsAsync(int port)
    {
        using var connection = new McConnection(port);
        await connection.SendAsync("stats\r\n");
        var stats = new Dictionary<string, string>();
        while (true)
        {
            var line = await connection.ReadLineAsync();
            if (line == "END")
            {
                return stats;
            }
            var parts = line.Split(' ', 3);
            stats[parts[1]] = parts[2];
        }
    }
}

/// <summary>
/// One client connection pipelining batches of sets and gets and checking every reply: a set
/// must be STORED, a get must be a miss or a VALUE for exactly that key carrying a value that
/// was set for that key (values embed their key, so a reply meant for another request is
/// caught). The connection must never close. Routing may change between batches (that can
/// turn a hit into a miss or an older value), never the shape or owner of a reply.
/// </summary>
internal sealed class VerifyingClient : IAsyncDisposable
{
    private readonly McConnection _connection;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly string _prefix;
    private long _batches;
    private long _replies;

    public VerifyingClient(int port, string prefix)
    {
        _prefix = prefix;
        _connection = new McConnection(port);
        _loop = Task.Run(RunAsync);
    }

    public long Batches => Interlocked.Read(ref _batches);

    public long Replies => Interlocked.Read(ref _replies);

    public List<string> Errors { get; } = [];

    /// <summary>Waits until <paramref name="count"/> more batches have been verified (bounded).</summary>
    public async Task WaitForBatchesAsync(int count)
    {
        var target = Batches + count;
        var ok = await LiveConfigKit.EventuallyAsync(() => Task.FromResult(Batches >= target || _loop.IsCompleted), 120);
        Assert.True(ok, "the client made no progress");
        Assert.False(_loop.IsCompleted, "the client stopped: " + string.Join("; ", Errors));
    }

    private async Task RunAsync()
    {
        var random = new Random(_prefix.GetHashCode());
        var sequence = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var request = new StringBuilder();
                var expected = new List<(char Kind, string Key)>();
                for (var i = 0; i < 100; i++)
                {
                    var key = $"{_prefix}:{random.Next(200)}";
                    if (random.Next(2) == 0)
                    {
                        var value = $"{key}#{sequence++}";
                        request.Append($"set {key} 0 0 {value.Length}\r\n{value}\r\n");
                        expected.Add(('s', key));
                    }
                    else
                    {
                        request.Append($"get {key}\r\n");
                        expected.Add(('g', key));
                    }
                }
                await _connection.SendAsync(request.ToString());
                foreach (var (kind, key) in expected)
                {
                    var line = await _connection.ReadLineAsync();
                    if (kind == 's')
                    {
                        Check(line == "STORED", $"set {key}: '{line}'");
                    }
                    else if (line != "END")
                    {
                        var parts = line.Split(' ');
                        Check(parts.Length == 4 && parts[0] == "VALUE" && parts[1] == key, $"get {key}: '{line}'");
                        var data = Encoding.Latin1.GetString(await _connection.ReadExactlyAsync(int.Parse(parts[3]) + 2));
                        Check(data.StartsWith(key + "#", StringComparison.Ordinal) && data.EndsWith("\r\n", StringComparison.Ordinal), $"get {key}: value '{data.TrimEnd()}'");
                        var end = await _connection.ReadLineAsync();
                        Check(end == "END", $"get {key}: '{end}' instead of END");
                    }
                    Interlocked.Increment(ref _replies);
                }
                Interlocked.Increment(ref _batches);
            }
        }
        catch (Exception e)
        {
            lock (Errors)
            {
                Errors.Add("client failed: " + e.Message);
            }
        }
    }

    private void Check(bool ok, string what)
    {
        if (!ok)
        {
            lock (Errors)
            {
                Errors.Add(what);
            }
            throw new InvalidOperationException("reply out of step: " + what);
        }
    }

    /// <summary>Stops after the current batch; the connection must still be open.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(60));
        // Still connected: one more round trip works.
        await _connection.SendAsync("version\r\n");
        Assert.StartsWith("VERSION ", await _connection.ReadLineAsync(), StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _connection.Dispose();
    }
}
