using System.Net;
using System.Net.Sockets;
using System.Text;
using Sharpcracker.LoadGen;

namespace Sharpcracker.IntegrationTests.Proxy;

/// <summary>
/// The benchmark load generator: it drives the proxy for a short bounded run with every value it
/// reads back verified, and its verification really catches wrong replies (a fake server that
/// hands back another key's value, or another key's VALUE line, is reported as errors). RESP3
/// mode (redis3): HELLO 3 on every connection, `_` misses, a RESP2 null or a refused HELLO caught.
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

    [Theory]
    [InlineData(WireProtocol.Redis)]
    [InlineData(WireProtocol.Redis3)]
    public async Task AgainstRealRedis_NoVerificationErrors(WireProtocol protocol)
    {
        var port = FreePort.Next();
        using var redis = ExternalProcess.Start("redis-server",
            ["--bind", "127.0.0.1", "--port", port.ToString(), "--save", "", "--appendonly", "no"], port);
        foreach (var keysPerRead in new[] { 1, 10 })
        {
            var result = await LoadRunner.RunAsync(new LoadOptions
            {
                Port = port,
                Protocol = protocol,
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

    /// <summary>
    /// RESP3 clients through the proxy over two real redis-servers: every hit verified, and keys
    /// never stored come back as RESP3 nulls (`_`; the merged MGET too — a RESP2 `$-1` would be
    /// an error). The INFO probe reads the proxy's allocation counters at both ends of the window.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public async Task Resp3ThroughProxy_NoVerificationErrors_InfoProbeReadsAllocations(int keysPerRead)
    {
        using var s1 = RedisServer.Start();
        using var s2 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([s1.Port, s2.Port]);
        LoadOptions Options() => new()
        {
            Port = proxy.Port,
            Protocol = WireProtocol.Redis3,
            Connections = 4,
            Pipeline = 4,
            MultiGetKeys = keysPerRead,
            Keys = 200,
            Requests = 2000,
            WarmupSeconds = 0,
            InfoPort = proxy.Port,
        };

        var hits = await LoadRunner.RunAsync(Options());
        Assert.True(hits.Errors == 0, string.Join("\n", hits.ErrorSamples));
        Assert.Equal(2000, hits.Requests);
        Assert.True(hits.Totals.Verified > 0);
        Assert.Equal(0, hits.Totals.Misses); // every key was preloaded
        Assert.True(hits.ProxyStart.AllocatedBytes > 0, "INFO's gc_allocated_bytes was not read");
        Assert.True(hits.ProxyEnd.AllocatedBytes >= hits.ProxyStart.AllocatedBytes);
        Assert.True(hits.ProxyStart.Gen0Collections >= 0 && hits.ProxyEnd.Gen0Collections >= hits.ProxyStart.Gen0Collections);

        var options = Options();
        options.Preload = false;
        options.KeyPrefix = "never-stored:";
        options.GetRatio = 1;
        options.Requests = 500;
        var misses = await LoadRunner.RunAsync(options);
        Assert.True(misses.Errors == 0, string.Join("\n", misses.ErrorSamples));
        Assert.Equal(500L * keysPerRead, misses.Totals.Misses);
    }

    /// <summary>A RESP3 connection must get RESP3's null: a RESP2 `$-1` after HELLO 3 is an error on every read.</summary>
    [Theory]
    [InlineData("_\r\n", false)]
    [InlineData("$-1\r\n", true)]
    public async Task Resp3_Resp2NullIsAnError(string nullReply, bool expectErrors)
    {
        // Request lines of "*2 $5 HELLO $1 3" and "*2 $3 GET $N fake:K": answered on the last line of each.
        using var fake = new FakeBackend((_, line) => line == "3" ? HelloMap : line.StartsWith("fake:", StringComparison.Ordinal) ? nullReply : null);
        var result = await LoadRunner.RunAsync(new LoadOptions
        {
            Port = fake.Port,
            Protocol = WireProtocol.Redis3,
            Connections = 1,
            Keys = 20,
            KeyPrefix = "fake:",
            Preload = false,
            GetRatio = 1,
            Requests = 50,
            WarmupSeconds = 0,
        });

        Assert.Equal(50, result.Requests);
        if (expectErrors)
        {
            Assert.Equal(50, result.Errors);
        }
        else
        {
            Assert.True(result.Errors == 0, string.Join("\n", result.ErrorSamples));
            Assert.Equal(50, result.Totals.Misses);
        }
    }

    private const string HelloMap = "%3\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n$7\r\nmodules\r\n*0\r\n";

    /// <summary>HELLO 3 answered with an error, a non-map, or a map without proto 3: the run stops before measuring anything.</summary>
    [Theory]
    [InlineData("-NOPROTO unsupported protocol version\r\n")]
    [InlineData("*1\r\n$5\r\nproto\r\n")]
    [InlineData("%1\r\n$5\r\nproto\r\n:2\r\n")]
    public async Task Resp3_HelloRefused_StopsTheRun(string helloReply)
    {
        using var fake = new FakeBackend((_, line) => line == "3" ? helloReply : null);
        await Assert.ThrowsAsync<HandshakeRefusedException>(() => LoadRunner.RunAsync(new LoadOptions
        {
            Port = fake.Port,
            Protocol = WireProtocol.Redis3,
            Connections = 2,
            Requests = 10,
            WarmupSeconds = 0,
        }));
    }

    /// <summary>twemproxy closes a connection that sends HELLO: redis3 mode against it stops with the handshake refused.</summary>
    [Fact]
    public async Task Resp3_AgainstTwemproxy_HandshakeRefused()
    {
        using var redis = RedisServer.Start();
        var (listen, stats) = (FreePort.Next(), FreePort.Next());
        var conf = Path.Combine(Path.GetTempPath(), $"nc-loadgen-{listen}.yml");
        File.WriteAllText(conf, TestProxy.OnePool("rd", listen, [redis.Port], "redis: true\n"));
        try
        {
            using var nutcracker = ExternalProcess.Start("nutcracker", ["-c", conf, "-s", stats.ToString(), "-a", "127.0.0.1", "-o", "/dev/null"], listen);
            var e = await Assert.ThrowsAsync<HandshakeRefusedException>(() => LoadRunner.RunAsync(new LoadOptions
            {
                Port = listen,
                Protocol = WireProtocol.Redis3,
                Connections = 2,
                Requests = 10,
                WarmupSeconds = 0,
            }));
            Assert.Contains("connection closed", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(conf);
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
