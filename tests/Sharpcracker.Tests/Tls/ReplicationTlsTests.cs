using System.Text.Json;
using Sharpcracker.Tests.Infrastructure;

namespace Sharpcracker.Tests.Tls;

/// <summary>
/// A replication pool over TLS-only redis-servers (<c>port 0</c>, <c>tls-port</c>, <c>tls-replication yes</c>):
/// the ROLE checks that decide which replicas serve reads speak TLS like the data path.
/// </summary>
public sealed class ReplicationTlsTests(TestCertificates certs) : IClassFixture<TestCertificates>
{
    private ExternalProcess StartTlsRedis(string dir, params string[] extra)
    {
        var port = FreePort.Next();
        return ExternalProcess.Start("redis-server",
        [
            "--port", "0", "--tls-port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning",
            "--tls-cert-file", certs.Cert("server"), "--tls-key-file", certs.Key("server"), "--tls-ca-cert-file", certs.CaFile,
            "--tls-auth-clients", "no", "--tls-replication", "yes", .. RedisReplicaSet.NodeArgs(dir), .. extra,
        ], port);
    }

    [Fact]
    public async Task ForkMasterRule_ReadPolicyReplica_ReadsServedByTheTlsReplica()
    {
        var dir = Directory.CreateTempSubdirectory("sc-repl-tls").FullName;
        try
        {
            using var master = StartTlsRedis(dir);
            using var replica = StartTlsRedis(dir, "--replicaof", "127.0.0.1", master.Port.ToString());
            await Poll.UntilAsync(async () =>
            {
                using var c = await RespConnection.ConnectTlsAsync(replica.Port, certs);
                var info = await c.CallAsync("INFO", "replication");
                return info.Contains("master_link_status:up", StringComparison.Ordinal) ? info : null;
            }, TimeSpan.FromSeconds(20), "the replica linked to its master over TLS");

            var port = FreePort.Next();
            await using var proxy = await ProxyInstance.StartAsync($"""
                tlsrepl:
                  listen: 127.0.0.1:{port}
                  redis: true
                  read_policy: replica
                  server_tls: true
                  server_tls_ca_file: {certs.CaFile}
                  servers:
                    - 127.0.0.1:{master.Port}:1 master
                    - 127.0.0.1:{replica.Port}:1 replica1

                """, port);
            var stats = proxy.Host.Pools.Single().Stats;
            // The ROLE checks reach both TLS-only servers: the replica is reported as such, linked.
            JsonElement Rendered() => JsonDocument.Parse(Sharpcracker.Stats.TwemproxyStatsJson.RenderText([stats])).RootElement.GetProperty("tlsrepl");
            await Poll.UntilAsync(() => Task.FromResult(Rendered().GetProperty("replica1").GetProperty("role").GetString() == "slave" ? "" : null),
                TimeSpan.FromSeconds(10), "the replica's role from a ROLE check over TLS");
            Assert.Equal("master", Rendered().GetProperty("master").GetProperty("role").GetString());
            Assert.True(proxy.Host.Pools.Single().Topology.Servers.Single(s => s.Name == "replica1").Replication.Usable, "the replica is in service for reads");

            using var client = new RespConnection(port);
            Assert.Equal("+OK\r\n", await client.CallAsync("SET", "tls:repl", "through the proxy"));
            using (var m = await RespConnection.ConnectTlsAsync(master.Port, certs))
            {
                // WAIT covers this connection's writes: one here first makes it cover the proxy's SET too.
                Assert.Equal("+OK\r\n", await m.CallAsync("SET", "tls:sync", "1"));
                Assert.Equal(":1\r\n", await m.CallAsync("WAIT", "1", "10000"));
            }
            Assert.Equal("$17\r\nthrough the proxy\r\n", await client.CallAsync("GET", "tls:repl"));

            // The read went to the replica, the write to the master.
            Assert.Equal(1, await CallsAsync(replica.Port, "get"));
            Assert.Equal(0, await CallsAsync(master.Port, "get"));
            Assert.Equal(2, await CallsAsync(master.Port, "set")); // the proxy's and the sync marker's
            Assert.Equal(0, stats.ServerTls.Failures);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>calls of one command on a TLS-only server, from INFO commandstats.</summary>
    private async Task<long> CallsAsync(int port, string command)
    {
        using var c = await RespConnection.ConnectTlsAsync(port, certs);
        return (await RedisReplicaSet.CommandCallsAsync(c)).GetValueOrDefault(command);
    }
}
