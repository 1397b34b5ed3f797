using System.Net;
using System.Net.Sockets;
using System.Text;
using Sharpcracker.LoadGen;

namespace Sharpcracker.IntegrationTests.Proxy;

/// <summary>
/// The benchmark load generator: it drives the proxy for a short bounded run with every value it
/// reads back verified, and its verification really catches wrong replies (a fake server that
/// hands back another key's value, or another key's VALUE line, is reported as errors).
/// </summary>
public sealed class LoadGenTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(8, 1)]
    [InlineData(4, 10)]
    public async Task AgainstProxyAndRealMemcached_NoVerificationErrors(int pipeline, int keysPerRead)
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([s1.Port, s2.Port]);
        var result = await LoadRunner.RunAsync(new LoadOptions
        {
            Port = proxy.Port,
            Connections = 8,
            Pipeline = pipeline,
            MultiGetKeys = keysPerRead,
            Keys = 500,
            ValueSize = 100,
            DurationSeconds = 2,
            WarmupSeconds = 0.2,
        });

        Assert.True(result.Errors == 0, string.Join("\n", result.ErrorSamples));
        Assert.True(result.Requests > 0);
        Assert.True(result.Totals.Verified > 0);
        Assert.Equal(0, result.Totals.Misses); // every key was preloaded
        Assert.True(result.Percentile(0.5) > 0 && result.Percentile(0.5) <= result.Percentile(0.999));
    }

    [Fact]
    public async Task AgainstRealRedis_NoVerificationErrors()
    {
        var port = FreePort.Next();
        using var redis = ExternalProcess.Start("redis-server",
            ["--bind", "127.0.0.1", "--port", port.ToString(), "--save", "", "--appendonly", "no"], port);
        foreach (var keysPerRead in new[] { 1, 10 })
        {
            var result = await LoadRunner.RunAsync(new LoadOptions
            {
                Port = port,
                Protocol = WireProtocol.Redis,
                Connections = 4,
                Pipeline = 4,
                MultiGetKeys = keysPerRead,
                Keys = 200,
                Requests = 2000,
                WarmupSeconds = 0,
            });
            Assert.True(result.Errors == 0, string.Join("\n", result.ErrorSamples));
            Assert.Equal(2000, result.Requests);
            Assert.True(result.Totals.Verified > 0);
        }
    }

    [Theory]
    [InlineData(FakeMemcached.Mode.Honest, false)]
    [InlineData(FakeMemcached.Mode.OtherKeysValue, true)]
    [InlineData(FakeMemcached.Mode.OtherKeysValueLine, true)]
    public async Task MixedUpReplies_AreCountedAsErrors(FakeMemcached.Mode mode, bool expectErrors)
    {
        await using var fake = FakeMemcached.Start(mode);
        var result = await LoadRunner.RunAsync(new LoadOptions
        {
            Port = fake.Port,
            Connections = 2,
            Pipeline = 4,
            Keys = 20,
            Requests = 400,
            WarmupSeconds = 0,
            StallSeconds = 20,
        });

        if (expectErrors)
        {
            Assert.True(result.Errors > 0, "a server answering with another key's data went unnoticed");
        }
        else
        {
            Assert.True(result.Errors == 0, string.Join("\n", result.ErrorSamples));
            Assert.Equal(400, result.Requests);
        }
    }

    [Fact]
    public void Histogram_PercentilesWithinBucketPrecision()
    {
        var h = new LatencyHistogram();
        for (var v = 1; v <= 100_000; v++)
        {
            h.Record(v * 1000L); // 1 µs .. 100 ms, uniform
        }
        foreach (var q in new[] { 0.5, 0.99, 0.999 })
        {
            var exact = q * 100_000 * 1000;
            var got = h.ValueAtQuantile(q);
            Assert.InRange(got, exact * 0.97, exact * 1.04);
        }
        Assert.Equal(100_000_000, h.MaxNanoseconds);
    }
}

/// <summary>
/// A tiny memcached stand-in for the verification test: stores sets, and answers gets either
/// honestly or with a deliberate mix-up (another key's value under the asked key's name, or
/// another key's whole VALUE line) — the bugs a proxy that confuses replies would produce.
/// </summary>
public sealed class FakeMemcached : IAsyncDisposable
{
    public enum Mode
    {
        Honest,
        OtherKeysValue,
        OtherKeysValueLine,
    }

    private readonly TcpListener _listener;
    private readonly Mode _mode;
    private readonly Dictionary<string, string> _store = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private FakeMemcached(Mode mode)
    {
        _mode = mode;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static FakeMemcached Start(Mode mode) => new(mode);

    private async Task AcceptAsync()
    {
        var clients = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                clients.Add(ServeAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(clients);
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.Latin1);
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var parts = line.Split(' ');
                var reply = new StringBuilder();
                if (parts[0] == "set")
                {
                    var data = new char[int.Parse(parts[4]) + 2];
                    await reader.ReadBlockAsync(data, _stop.Token);
                    lock (_store)
                    {
                        _store[parts[1]] = new string(data, 0, data.Length - 2);
                    }
                    reply.Append("STORED\r\n");
                }
                else if (parts[0] == "get")
                {
                    foreach (var key in parts.Skip(1))
                    {
                        string? value;
                        string name = key;
                        lock (_store)
                        {
                            var other = _store.Keys.FirstOrDefault(k => k != key);
                            if (_mode != Mode.Honest && other is not null)
                            {
                                value = _store[other];
                                name = _mode == Mode.OtherKeysValueLine ? other : key;
                            }
                            else
                            {
                                _store.TryGetValue(key, out value);
                            }
                        }
                        if (value is not null)
                        {
                            reply.Append($"VALUE {name} 0 {value.Length}\r\n{value}\r\n");
                        }
                    }
                    reply.Append("END\r\n");
                }
                else
                {
                    reply.Append("ERROR\r\n");
                }
                var bytes = Encoding.Latin1.GetBytes(reply.ToString());
                await stream.WriteAsync(bytes, _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
            // The load generator closes its connections when it is done (or when it gives up on a wrong reply).
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
