using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Sharpcracker.OperatorConsole;
using Sharpcracker.Pools;

namespace Sharpcracker.IntegrationTests.Tls;

/// <summary>TLS on the proxy's listeners: real memcached and redis-server behind, real TLS clients (Python ssl, redis-cli, SslStream) in front.</summary>
public sealed class ClientTlsTests(TestCertificates certs) : IClassFixture<TestCertificates>
{
    private string TlsKeys(string extra = "") => $"""
        tls_cert_file: {certs.Cert("server")}
        tls_key_file: {certs.Key("server")}
        {extra}
        """;

    private static ServerPool Pool(TestProxy proxy) => proxy.Host.Pools.Single();

    [Fact]
    public async Task MemcachedText_OverTls_FromPythonSsl_AndPlaintextPoolSeesTheSameServers()
    {
        using var m1 = ExternalProcess.StartMemcached();
        using var m2 = ExternalProcess.StartMemcached();
        var tlsPort = FreePort.Next();
        var plainPort = FreePort.Next();
        var servers = $"    - 127.0.0.1:{m1.Port}:1 s0\n    - 127.0.0.1:{m2.Port}:1 s1\n";
        var yaml = $"secure:\n  listen: 127.0.0.1:{tlsPort}\n  tls_cert_file: {certs.Cert("server")}\n  tls_key_file: {certs.Key("server")}\n  servers:\n{servers}"
            + $"plain:\n  listen: 127.0.0.1:{plainPort}\n  servers:\n{servers}";
        await using var proxy = await TestProxy.StartAsync(yaml, tlsPort);

        // Python's ssl module: 20 keys set and read back over TLS, one pipelined batch with a 200 KB value.
        var script = $$"""
            import ssl, socket
            ctx = ssl.create_default_context(cafile={{Py(certs.CaFile)}})
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", {{tlsPort}})), server_hostname="localhost")
            big = b"v" * 200000
            req = b"".join(b"set py%d 0 0 %d\r\n%s\r\n" % (i, len(big) if i == 7 else 2, big if i == 7 else b"%02d" % i) for i in range(20))
            req += b"get " + b" ".join(b"py%d" % i for i in range(20)) + b"\r\n"
            s.sendall(req)
            data = b""
            while not data.endswith(b"END\r\n"):
                chunk = s.recv(65536)
                if not chunk:
                    raise SystemExit("closed early")
                data += chunk
            assert data.startswith(b"STORED\r\n" * 20), data[:200]
            assert data.count(b"VALUE ") == 20, data.count(b"VALUE ")
            assert (b"VALUE py7 0 200000\r\n" + big + b"\r\n") in data
            print(s.version(), "ok")
            """;
        var (exit, output) = await RunAsync("/usr/bin/python3", "-c", script);
        Assert.True(exit == 0, output);
        Assert.Contains("ok", output);

        // The plaintext pool on another port serves the same servers: it reads what TLS clients wrote.
        using var plain = new McConnection(plainPort);
        await plain.SendAsync("get py3\r\n");
        Assert.Equal("VALUE py3 0 2\r\n03\r\nEND\r\n", Encoding.Latin1.GetString(await plain.ReadExactlyAsync(24)));
        var secure = proxy.Host.Pools.Single(p => p.Name == "secure").Stats.ClientTls;
        Assert.True(secure.Handshakes >= 1);
        Assert.Equal(0, secure.Failures);
    }

    [Fact]
    public async Task RedisCli_Tls_WithCacert_ThroughTlsPool()
    {
        using var redis = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([redis.Port], TlsKeys());
        var port = proxy.Port.ToString();
        Assert.Equal("OK", (await RunAsync("redis-cli", "--tls", "--cacert", certs.CaFile, "-p", port, "SET", "tls-key", "over tls")).Output.Trim());
        Assert.Equal("over tls", (await RunAsync("redis-cli", "--tls", "--cacert", certs.CaFile, "-p", port, "GET", "tls-key")).Output.Trim());
        // Without --tls the client gets no answer from a TLS-only pool.
        var plain = await RunAsync("redis-cli", "-p", port, "GET", "tls-key");
        Assert.DoesNotContain("over tls", plain.Output);
        // The key really is on the backend.
        using var direct = new RespConnection(redis.Port);
        Assert.Equal("$8\r\nover tls\r\n", await direct.CallAsync("GET", "tls-key"));
    }

    [Fact]
    public async Task ClientCertificates_FromTheCa_Accepted_OthersRefused_AndCounted()
    {
        using var m = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([m.Port], TlsKeys($"tls_ca_file: {certs.CaFile}\n  tls_verify_client: true"));
        await using (var ok = await certs.ConnectAsync(proxy.Port, "client"))
        {
            Assert.Equal("STORED\r\n", await TestCertificates.CallAsync(ok, "set cc 0 0 1\r\nx\r\n", "\r\n"));
        }
        // No certificate, one from another CA, an expired one: the handshake fails (TLS 1.3 may report it on the first read).
        foreach (var who in new string?[] { null, "stranger", "expired" })
        {
            var refused = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await using var ssl = await certs.ConnectAsync(proxy.Port, who);
                await TestCertificates.CallAsync(ssl, "get cc\r\n", "END\r\n");
            });
            Assert.True(refused is IOException or AuthenticationException, refused.ToString());
        }
        var counters = Pool(proxy).Stats.ClientTls;
        await Poll.UntilAsync(() => Task.FromResult(counters.Failures >= 3 ? "" : null), TimeSpan.FromSeconds(10), "three refused handshakes counted");
        Assert.Equal(1, counters.Handshakes);
    }

    [Fact]
    public async Task PlaintextClient_OnTlsPort_IsClosed_Counted_AndOthersUnaffected()
    {
        using var m = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([m.Port], TlsKeys());
        await using var good = await certs.ConnectAsync(proxy.Port);
        Assert.Equal("STORED\r\n", await TestCertificates.CallAsync(good, "set pk 0 0 1\r\ny\r\n", "\r\n"));

        using var plain = new McConnection(proxy.Port);
        await plain.SendAsync("get pk\r\n");
        Assert.Empty(await plain.ReadToEndAsync()); // closed without a byte of plaintext

        Assert.Equal("VALUE pk 0 1\r\ny\r\nEND\r\n", await TestCertificates.CallAsync(good, "get pk\r\n", "END\r\n"));
        var counters = Pool(proxy).Stats.ClientTls;
        Assert.Equal(1, counters.Failures);
        Assert.Equal(1, Pool(proxy).Stats.ClientErrCount);
        Assert.Contains("sharpcracker_client_tls_failures_total{pool=\"pool\"} 1\n", Sharpcracker.OperatorConsole.PrometheusExposition.Render([Pool(proxy).Stats]));
    }

    [Fact]
    public async Task StalledHandshake_TimesOut_AndIsCounted_WhileOthersWork()
    {
        using var m = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([m.Port], TlsKeys("tls_handshake_timeout: 300"));
        // One connects and says nothing; another sends half a ClientHello record header and stops.
        using var silent = new McConnection(proxy.Port);
        using var half = new McConnection(proxy.Port);
        await half.SendAsync([0x16, 0x03, 0x01, 0x02]);
        await using var good = await certs.ConnectAsync(proxy.Port);
        Assert.Equal("STORED\r\n", await TestCertificates.CallAsync(good, "set tk 0 0 1\r\nz\r\n", "\r\n"));
        Assert.Empty(await silent.ReadToEndAsync());
        Assert.Empty(await half.ReadToEndAsync());
        var counters = Pool(proxy).Stats.ClientTls;
        Assert.Equal(2, counters.Timeouts);
        Assert.Equal("VALUE tk 0 1\r\nz\r\nEND\r\n", await TestCertificates.CallAsync(good, "get tk\r\n", "END\r\n"));
    }

    [Fact]
    public async Task UnixSocketListener_WithTls()
    {
        using var m = ExternalProcess.StartMemcached();
        var dir = Directory.CreateTempSubdirectory("sc-tls-unix");
        try
        {
            var path = Path.Combine(dir.FullName, "proxy.sock");
            var yaml = $"unix:\n  listen: {path}\n  tls_cert_file: {certs.Cert("server")}\n  tls_key_file: {certs.Key("server")}\n  servers:\n    - 127.0.0.1:{m.Port}:1\n";
            await using var proxy = await TestProxy.StartAsync(yaml, 0);
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
            await using var ssl = await certs.AuthenticateAsync(new NetworkStream(socket, ownsSocket: true));
            Assert.Equal("STORED\r\n", await TestCertificates.CallAsync(ssl, "set ux 0 0 2\r\nok\r\n", "\r\n"));
            Assert.Equal("VALUE ux 0 2\r\nok\r\nEND\r\n", await TestCertificates.CallAsync(ssl, "get ux\r\n", "END\r\n"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PipelinedTraffic_ManyClients_OverTls_RepliesInOrder()
    {
        using var m1 = ExternalProcess.StartMemcached();
        using var m2 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([m1.Port, m2.Port], TlsKeys());
        var clients = Enumerable.Range(0, 8).Select(async c =>
        {
            await using var ssl = await certs.ConnectAsync(proxy.Port);
            for (var round = 0; round < 20; round++)
            {
                var sb = new StringBuilder();
                for (var i = 0; i < 50; i++)
                {
                    sb.Append($"set c{c}k{i} 0 0 {5 + $"{round}".Length}\r\nvalue{round}\r\n");
                }
                sb.Append("get");
                for (var i = 0; i < 50; i++)
                {
                    sb.Append($" c{c}k{i}");
                }
                sb.Append("\r\n");
                var reply = await TestCertificates.CallAsync(ssl, sb.ToString(), "END\r\n");
                var expected = string.Concat(Enumerable.Repeat("STORED\r\n", 50))
                    + string.Concat(Enumerable.Range(0, 50).Select(i => $"VALUE c{c}k{i} 0 {5 + $"{round}".Length}\r\nvalue{round}\r\n")) + "END\r\n";
                Assert.Equal(expected, reply);
            }
        });
        await Task.WhenAll(clients);
        Assert.Equal(8, Pool(proxy).Stats.ClientTls.Handshakes);
    }

    [Fact]
    public async Task MetaCommands_OverTls()
    {
        using var m = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([m.Port], TlsKeys());
        await using var ssl = await certs.ConnectAsync(proxy.Port);
        Assert.Equal("HD\r\nVA 2\r\nhi\r\nMN\r\n", await TestCertificates.CallAsync(ssl, "ms mk 2\r\nhi\r\nmg mk v\r\nmn\r\n", "MN\r\n"));
    }

    [Fact]
    public async Task CloseNotify_AfterRequests_RepliesStillArrive_ThenClosed()
    {
        using var m = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([m.Port], TlsKeys());
        await using var ssl = await certs.ConnectAsync(proxy.Port);
        await ssl.WriteAsync(Encoding.Latin1.GetBytes("set hc 0 0 1\r\nq\r\nget hc\r\n"));
        await ssl.ShutdownAsync(); // TLS close_notify: the client will send nothing more
        Assert.Equal("STORED\r\nVALUE hc 0 1\r\nq\r\nEND\r\n", await TestCertificates.ReadUntilAsync(ssl, "END\r\n"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.Equal(0, await ssl.ReadAsync(new byte[16], cts.Token)); // then the proxy closes
        await Poll.UntilAsync(() => Task.FromResult(Pool(proxy).Stats.ClientEofCount == 1 ? "" : null), TimeSpan.FromSeconds(10), "counted as a normal close");
        Assert.Equal(0, Pool(proxy).Stats.ClientErrCount);
    }

    [Fact]
    public async Task BinaryProtocol_OverTls()
    {
        using var m1 = ExternalProcess.StartMemcached();
        using var m2 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([m1.Port, m2.Port], TlsKeys());
        await using var ssl = await certs.ConnectAsync(proxy.Port);
        // set, get, getk of two keys (likely on two servers), then noop as the batch's end.
        var request = BinaryPacket.Concat(
            BinaryPacket.Request(0x01, "bk1", BinaryPacket.StoreExtras(7), "one", opaque: 1),
            BinaryPacket.Request(0x01, "bk2", BinaryPacket.StoreExtras(8), "two", opaque: 2),
            BinaryPacket.Request(0x00, "bk1", opaque: 3),
            BinaryPacket.Request(0x0c, "bk2", opaque: 4),
            BinaryPacket.Request(0x0a, opaque: 5));
        await ssl.WriteAsync(request);
        var received = new List<byte>();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        List<BinaryPacket.Response> packets;
        while (true)
        {
            var n = await ssl.ReadAsync(buffer, cts.Token);
            Assert.True(n > 0, "closed early");
            received.AddRange(buffer.AsSpan(0, n).ToArray());
            packets = BinaryPacket.Split(received.ToArray(), out _);
            if (packets.Count > 0 && packets[^1].Opcode == 0x0a)
            {
                break;
            }
        }
        Assert.Equal([1u, 2u, 3u, 4u, 5u], packets.Select(p => p.Opaque));
        Assert.All(packets, p => Assert.Equal(0, p.Status));
        Assert.Equal("one", packets[2].ValueText);
        Assert.Equal("two", packets[3].ValueText);
        Assert.Equal("bk2", packets[3].KeyText);
    }

    private static string Py(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    internal static async Task<(int Exit, string Output)> RunAsync(string program, params string[] args)
    {
        var (exit, stdout, stderr) = await ToolProcess.RunAsync(program, args);
        return (exit, stdout + stderr);
    }
}
