using System.Security.Authentication;
using Sharpcracker.Configuration;
using Sharpcracker.Routing;

namespace Sharpcracker.Tests.Configuration;

/// <summary>The TLS keys: defaults, files loaded at parse time, every refusal naming the key and the file (<c>-t</c> on the executable: Sharpcracker.IntegrationTests.Tls.TlsConfigCheckTests).</summary>
public sealed class TlsConfigTests(TestCertificates certs) : IClassFixture<TestCertificates>
{
    private static PoolConfig Parse(string extra, string path = "t.yml")
        => ConfigLoader.Parse($"p:\n  listen: 127.0.0.1:22121\n{extra}  servers:\n    - 127.0.0.1:11211:1\n", path).Pools[0];

    private string Identity(string name = "server") => $"  tls_cert_file: {certs.Cert(name)}\n  tls_key_file: {certs.Key(name)}\n";

    [Fact]
    public void NoTlsKeys_MeansPlaintextBothSides()
    {
        var pool = Parse("");
        Assert.Null(pool.Tls);
        Assert.Null(pool.ServerTls);
        Assert.Equal(10_000, pool.TlsHandshakeTimeoutMs);
    }

    [Fact]
    public void ListenerTls_LoadsTheCertificate_VerifyFollowsTheCaFile()
    {
        var pool = Parse(Identity() + $"  tls_ca_file: {certs.CaFile}\n  tls_protocols: TLSv1.2 TLSv1.3\n  tls_handshake_timeout: 1500\n");
        Assert.NotNull(pool.Tls);
        Assert.True(pool.Tls!.VerifyClient);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, pool.Tls.Protocols);
        Assert.Equal(1500, pool.TlsHandshakeTimeoutMs);
        Assert.Equal(40, pool.Tls.Context.Thumbprint.Length);
        Assert.False(Parse(Identity()).Tls!.VerifyClient);
    }

    [Fact]
    public void RelativePaths_AreResolvedAgainstTheConfigFile()
    {
        var pool = Parse("  tls_cert_file: server.crt\n  tls_key_file: server.key\n", Path.Combine(certs.Dir, "conf.yml"));
        Assert.Equal(certs.Cert("server"), pool.Tls!.CertFile);
    }

    [Fact]
    public void ServerTls_VerifiesByDefault()
    {
        var pool = Parse($"  server_tls: true\n  server_tls_ca_file: {certs.CaFile}\n  server_tls_cert_file: {certs.Cert("client")}\n  server_tls_key_file: {certs.Key("client")}\n");
        Assert.True(pool.ServerTls!.Verify);
        Assert.False(Parse("  server_tls: true\n  server_tls_verify: false\n").ServerTls!.Verify);
        Assert.Null(Parse("  server_tls: false\n").ServerTls);
    }

    [Fact]
    public void ServerTls_WithRedisCluster_Loads()
    {
        // The slot discovery speaks TLS like the data path, so a TLS-only cluster is a valid backend.
        var pool = Parse($"  redis: true\n  distribution: redis_cluster\n  server_tls: true\n  server_tls_ca_file: {certs.CaFile}\n");
        Assert.Equal(Sharpcracker.Routing.DistributionKind.RedisCluster, pool.Distribution);
        Assert.NotNull(pool.ServerTls);
        Assert.True(pool.ServerTls!.Verify);
    }

    [Theory]
    [InlineData("  tls_cert_file: {dir}/server.crt\n  tls_key_file: {dir}/missing.key\n", "tls_key_file", "cannot read")]
    [InlineData("  tls_cert_file: {dir}/missing.crt\n  tls_key_file: {dir}/server.key\n", "tls_cert_file", "cannot read")]
    [InlineData("  tls_cert_file: {dir}/server.crt\n  tls_key_file: {dir}/client.key\n", "tls_key_file", "not a usable PEM private key")]
    [InlineData("  tls_cert_file: {dir}/server.key\n  tls_key_file: {dir}/server.key\n", "tls_cert_file", "holds no PEM certificate")]
    [InlineData("  tls_cert_file: {dir}/server.crt\n", "tls_cert_file", "needs \"tls_key_file\" too")]
    [InlineData("  tls_ca_file: {dir}/ca.crt\n", "tls_ca_file", "needs \"tls_cert_file\"")]
    [InlineData("  tls_cert_file: {dir}/server.crt\n  tls_key_file: {dir}/server.key\n  tls_verify_client: true\n", "tls_verify_client", "needs \"tls_ca_file\"")]
    [InlineData("  tls_cert_file: {dir}/server.crt\n  tls_key_file: {dir}/server.key\n  tls_ca_file: {dir}/nothere.crt\n", "tls_ca_file", "cannot read")]
    [InlineData("  tls_protocols: SSLv3\n", "tls_protocols", "use TLSv1.2 and/or TLSv1.3")]
    [InlineData("  tls_handshake_timeout: 0\n", "tls_handshake_timeout", "positive number")]
    [InlineData("  server_tls_ca_file: {dir}/ca.crt\n", "server_tls_ca_file", "needs \"server_tls: true\"")]
    [InlineData("  server_tls: yes\n", "server_tls", "is not \"true\" or \"false\"")]
    [InlineData("  server_tls: true\n  server_tls_ca_file: {dir}/gone.crt\n", "server_tls_ca_file", "cannot read")]
    [InlineData("  server_tls: true\n  server_tls_cert_file: {dir}/client.crt\n", "server_tls_cert_file", "needs \"server_tls_key_file\" too")]
    public void BadTlsKeys_AreRefused_NamingTheKey(string keys, string key, string problem)
    {
        var e = Assert.Throws<ConfigException>(() => Parse(keys.Replace("{dir}", certs.Dir)));
        Assert.Contains($"\"{key}\"", e.Message);
        Assert.Contains(problem, e.Message);
    }
}
