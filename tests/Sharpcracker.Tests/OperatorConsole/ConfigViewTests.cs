using Sharpcracker.Configuration;
using Sharpcracker.OperatorConsole;

namespace Sharpcracker.Tests.OperatorConsole;

/// <summary>
/// The console's effective configuration shows every key the proxy acts on — TLS on both sides,
/// binary/auth, replication and cluster read policies, Sentinels — and loads back to the same pools
/// (secrets redacted: redis_auth, sentinel_auth; an auth_file by its path only).
/// </summary>
public sealed class ConfigViewTests(TestCertificates certs) : IClassFixture<TestCertificates>
{
    [Fact]
    public void EveryPoolKind_ShownWithItsKeys_LoadsBack()
    {
        var authFile = Path.Combine(certs.Dir, "users.txt");
        File.WriteAllText(authFile, "alice:s3cret-pw\n");
        var yaml = $"""
            tls:
              listen: 127.0.0.1:22121
              tls_cert_file: {certs.Cert("server")}
              tls_key_file: {certs.Key("server")}
              tls_ca_file: {certs.CaFile}
              tls_verify_client: true
              tls_protocols: TLSv1.3
              tls_handshake_timeout: 2500
              server_tls: true
              server_tls_ca_file: {certs.CaFile}
              server_tls_cert_file: {certs.Cert("client")}
              server_tls_key_file: {certs.Key("client")}
              server_tls_verify: false
              servers:
                - 127.0.0.1:11211:1
            bin:
              listen: 127.0.0.1:22122
              memcache_protocol: binary
              auth_file: {authFile}
              servers:
                - 127.0.0.1:11212:1
            fork:
              listen: 127.0.0.1:22123
              redis: true
              read_policy: prefer_replica
              servers:
                - 127.0.0.1:6379:1 master
                - 127.0.0.1:6380:1 r1
            sentinel:
              listen: 127.0.0.1:22124
              redis: true
              read_policy: any
              sentinels:
                - 127.0.0.1:26379
              sentinel_auth: "sentinel-secret"
              servers:
                - 127.0.0.1:6379:1 mymaster
            cluster:
              listen: 127.0.0.1:22125
              redis: true
              distribution: redis_cluster
              read_policy: replica
              servers:
                - 127.0.0.1:7000:1

            """;
        var config = ConfigLoader.Parse(yaml, Path.Combine(certs.Dir, "x.yml"));
        var shown = ConfigView.Render(config);
        Assert.DoesNotContain("sentinel-secret", shown);
        Assert.DoesNotContain("s3cret-pw", shown);
        Assert.Contains("  read_policy: replica\n", shown);
        Assert.Contains("  memcache_protocol: binary\n", shown);
        Assert.Contains("  tls_protocols: TLSv1.3\n", shown);
        var back = ConfigLoader.Parse(shown, Path.Combine(certs.Dir, "shown.yml"));
        Assert.Equal(config.Pools.Count, back.Pools.Count);
        foreach (var (pool, again) in config.Pools.Zip(back.Pools))
        {
            // Loaded TLS contexts, auth files and sentinel secrets are new objects or redacted; the rest is equal.
            Assert.Equal(pool.Tls is null ? null : pool.Tls with { }, again.Tls is null ? null : again.Tls with { Context = pool.Tls!.Context });
            Assert.Equal(pool.ServerTls, again.ServerTls is null ? null : again.ServerTls with { Context = pool.ServerTls!.Context });
            Assert.Equal(pool.AuthFile?.Path, again.AuthFile?.Path);
            Assert.Equal(pool.AuthFile?.Count, again.AuthFile?.Count);
            Assert.Equal(pool.SentinelAuth is null ? null : ConfigView.Redacted, again.SentinelAuth);
            Assert.Equal(pool.Sentinels?.Select(s => s.EndpointText), again.Sentinels?.Select(s => s.EndpointText));
            Assert.Equal(pool with { Servers = again.Servers, Tls = again.Tls, ServerTls = again.ServerTls, AuthFile = again.AuthFile, SentinelAuth = again.SentinelAuth, Sentinels = again.Sentinels }, again);
            Assert.Equal(pool.Servers.Select(s => s.Text), again.Servers.Select(s => s.Text));
        }
    }
}
