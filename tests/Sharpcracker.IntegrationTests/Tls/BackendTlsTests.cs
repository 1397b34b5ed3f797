using System.Text;
using Sharpcracker.Pools;

namespace Sharpcracker.IntegrationTests.Tls;

/// <summary>TLS from the proxy to real TLS servers: memcached -Z and redis-server --tls-port.</summary>
public sealed class BackendTlsTests(TestCertificates certs) : IClassFixture<TestCertificates>
{
    private ExternalProcess StartTlsMemcached(string certificate = "server")
        => ExternalProcess.StartMemcached("-Z", "-o", $"ssl_chain_cert={certs.Cert(certificate)},ssl_key={certs.Key(certificate)}");

    private ExternalProcess StartTlsRedis(params string[] extra)
    {
        var port = FreePort.Next();
        var args = new List<string>
        {
            "--port", "0", "--tls-port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning",
            "--tls-cert-file", certs.Cert("server"), "--tls-key-file", certs.Key("server"), "--tls-ca-cert-file", certs.CaFile,
            "--tls-auth-clients", "no",
        };
        args.AddRange(extra);
        return ExternalProcess.Start("redis-server", args, port);
    }

    private static ServerPool Pool(TestProxy proxy) => proxy.Host.Pools.Single();

    [Fact]
    public async Task MemcachedZ_Backends_ServeThroughProxy_AndBothSidesTls()
    {
        using var m1 = StartTlsMemcached();
        using var m2 = StartTlsMemcached();
        var keys = $"""
            server_tls: true
            server_tls_ca_file: {certs.CaFile}
            tls_cert_file: {certs.Cert("server")}
            tls_key_file: {certs.Key("server")}
            """;
        await using var proxy = await TestProxy.StartMemcachedAsync([m1.Port, m2.Port], keys);
        await using var ssl = await certs.ConnectAsync(proxy.Port);
        var sets = string.Concat(Enumerable.Range(0, 40).Select(i => $"set z{i} 0 0 3\r\nv{i:00}\r\n"));
        Assert.Equal(string.Concat(Enumerable.Repeat("STORED\r\n", 40)), await TestCertificates.CallAsync(ssl, sets, string.Concat(Enumerable.Repeat("STORED\r\n", 40))));
        var get = "get " + string.Join(' ', Enumerable.Range(0, 40).Select(i => $"z{i}")) + "\r\n";
        var reply = await TestCertificates.CallAsync(ssl, get, "END\r\n");
        Assert.Equal(40, reply.Split("VALUE ").Length - 1);
        // Both servers got keys, over TLS (they listen on TLS only).
        Assert.Equal(2, Pool(proxy).Stats.ServerTls.Handshakes);
        Assert.Equal(0, Pool(proxy).Stats.ServerTls.Failures);
        Assert.All(Pool(proxy).Stats.Servers, s => Assert.True(s.Requests > 0));
    }

    [Fact]
    public async Task RedisTlsPort_WithAuthAndSelect_OverTls()
    {
        using var redis = StartTlsRedis("--requirepass", "sekrit");
        await using var proxy = await TestProxy.StartRedisAsync([redis.Port], $"""
            redis_auth: sekrit
            redis_db: 3
            server_tls: true
            server_tls_ca_file: {certs.CaFile}
            """);
        using var client = new RespConnection(proxy.Port);
        Assert.Equal("+OK\r\n", await client.CallAsync("AUTH", "sekrit"));
        Assert.Equal("+OK\r\n", await client.CallAsync("SET", "rk", "tls value"));
        Assert.Equal("$9\r\ntls value\r\n", await client.CallAsync("GET", "rk"));
        // redis-cli over TLS straight to the server: the key is in db 3.
        var (exit, output) = await ClientTlsTests.RunAsync("redis-cli", "--tls", "--cacert", certs.CaFile, "-p", redis.Port.ToString(),
            "-a", "sekrit", "--no-auth-warning", "-n", "3", "GET", "rk");
        Assert.True(exit == 0, output);
        Assert.Equal("tls value", output.Trim());
        Assert.Equal(1, Pool(proxy).Stats.ServerTls.Handshakes);
    }

    [Fact]
    public async Task LargeValues_PipelinedBothSidesTls_ComeBackWhole()
    {
        // 3 MB values: many records, partial sends on both sides (EPOLLOUT with ciphertext pending).
        using var redis = StartTlsRedis();
        await using var proxy = await TestProxy.StartRedisAsync([redis.Port], $"""
            server_tls: true
            server_tls_ca_file: {certs.CaFile}
            tls_cert_file: {certs.Cert("server")}
            tls_key_file: {certs.Key("server")}
            """);
        await using var ssl = await certs.ConnectAsync(proxy.Port);
        var value = new string('x', 3_000_000).ToCharArray();
        for (var i = 0; i < value.Length; i += 997)
        {
            value[i] = (char)('a' + i % 26);
        }
        var text = new string(value);
        var request = $"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${text.Length}\r\n{text}\r\n"
            + string.Concat(Enumerable.Repeat("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n", 3)) + "*1\r\n$4\r\nPING\r\n";
        var reply = await TestCertificates.CallAsync(ssl, request, "+PONG\r\n");
        Assert.Equal("+OK\r\n" + string.Concat(Enumerable.Repeat($"${text.Length}\r\n{text}\r\n", 3)) + "+PONG\r\n", reply);
    }

    [Fact]
    public async Task WrongNameCertificate_IsRefused_ButAcceptedWithVerifyOff()
    {
        using var wrong = StartTlsMemcached("wrong");
        await using (var proxy = await TestProxy.StartMemcachedAsync([wrong.Port], $"server_tls: true\n  server_tls_ca_file: {certs.CaFile}"))
        {
            using var client = new McConnection(proxy.Port);
            await client.SendAsync("get k\r\n");
            var line = Encoding.Latin1.GetString(await client.ReadExactlyAsync("SERVER_ERROR ".Length));
            Assert.Equal("SERVER_ERROR ", line);
            Assert.Equal(1, Pool(proxy).Stats.ServerTls.Failures);
            Assert.Equal(0, Pool(proxy).Stats.ServerTls.Handshakes);
        }
        await using (var proxy = await TestProxy.StartMemcachedAsync([wrong.Port], $"server_tls: true\n  server_tls_ca_file: {certs.CaFile}\n  server_tls_verify: false"))
        {
            using var client = new McConnection(proxy.Port);
            await client.SendAsync("get k\r\n");
            Assert.Equal("END\r\n", Encoding.Latin1.GetString(await client.ReadExactlyAsync(5)));
        }
    }

    [Fact]
    public async Task UntrustedServer_WithoutCaFile_IsRefused()
    {
        // The test CA is not in the system store: verification against the system's roots fails.
        using var m = StartTlsMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([m.Port], "server_tls: true");
        using var client = new McConnection(proxy.Port);
        await client.SendAsync("get k\r\n");
        Assert.Equal("SERVER_ERROR ", Encoding.Latin1.GetString(await client.ReadExactlyAsync("SERVER_ERROR ".Length)));
        Assert.Equal(1, Pool(proxy).Stats.ServerTls.Failures);
    }

    [Fact]
    public async Task StalledServerHandshake_TimesOut()
    {
        // A listener that accepts and never answers the ClientHello (a plain TCP sink).
        using var sink = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        sink.Start();
        var port = ((System.Net.IPEndPoint)sink.LocalEndpoint).Port;
        await using var proxy = await TestProxy.StartMemcachedAsync([port], "server_tls: true\n  tls_handshake_timeout: 300");
        using var client = new McConnection(proxy.Port);
        await client.SendAsync("get k\r\n");
        using var accepted = await sink.AcceptSocketAsync();
        var reply = Encoding.Latin1.GetString(await client.ReadExactlyAsync("SERVER_ERROR Connection timed out\r\n".Length));
        Assert.Equal("SERVER_ERROR Connection timed out\r\n", reply);
        Assert.Equal(1, Pool(proxy).Stats.ServerTls.Timeouts);
    }

    [Fact]
    public async Task EjectedTlsServer_IsReadmitted_ByAProbeOverTls()
    {
        var m = StartTlsMemcached();
        var port = m.Port;
        await using var proxy = await TestProxy.StartMemcachedAsync([port], $"""
            server_tls: true
            server_tls_ca_file: {certs.CaFile}
            auto_eject_hosts: true
            server_failure_limit: 1
            server_retry_timeout: 200
            timeout: 1000
            """);
        using (var client = new McConnection(proxy.Port))
        {
            await client.SendAsync("set e 0 0 1\r\n1\r\n");
            Assert.Equal("STORED\r\n", Encoding.Latin1.GetString(await client.ReadExactlyAsync(8)));
        }
        m.Dispose();
        var server = Pool(proxy).Servers.Single();
        using (var client = new McConnection(proxy.Port))
        {
            await client.SendAsync("get e\r\n");
            Assert.StartsWith("SERVER_ERROR", Encoding.Latin1.GetString(await client.ReadExactlyAsync(12)));
        }
        await Poll.UntilAsync(() => Task.FromResult(server.Health.IsEjected ? "" : null), TimeSpan.FromSeconds(10), "server ejected");
        using var restarted = ExternalProcess.StartMemcachedOnPort(port, "-Z", "-o", $"ssl_chain_cert={certs.Cert("server")},ssl_key={certs.Key("server")}");
        // Re-admitted by the probe, and back in the pool's routing (the probe clears the ejection, then rebuilds the live set).
        await Poll.UntilAsync(() => Task.FromResult(!server.Health.IsEjected && Pool(proxy).Topology.Route("e"u8) == server ? "" : null),
            TimeSpan.FromSeconds(20), "server re-admitted by a TLS probe");
        using var after = new McConnection(proxy.Port);
        await after.SendAsync("set e 0 0 1\r\n2\r\n");
        Assert.Equal("STORED\r\n", Encoding.Latin1.GetString(await after.ReadExactlyAsync(8)));
    }
}
