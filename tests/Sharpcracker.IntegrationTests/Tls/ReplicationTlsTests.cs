using System.Text.Json;
using Sharpcracker.OperatorConsole;

namespace Sharpcracker.IntegrationTests.Tls;

/// <summary>
/// Replication pools over TLS-only redis-servers (<c>port 0</c>, <c>tls-port</c>, <c>tls-replication yes</c>):
/// the ROLE checks that decide which replicas serve reads, and Sentinel's new-master confirmation,
/// speak TLS like the data path; the sentinels themselves are reached in plaintext.
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

    /// <summary>Runs <paramref name="test"/> with a TLS-only master and its replica, linked, in a directory of their own; stops both by pid.</summary>
    private async Task WithTlsPairAsync(Func<ExternalProcess, ExternalProcess, string, Task> test)
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
            await test(master, replica, dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A pool "tlsrepl" with the fork's master rule, read_policy replica and server_tls, trusting the test CA or only the system's roots.</summary>
    private Task<TestProxy> StartForkProxyAsync(ExternalProcess master, ExternalProcess replica, bool trustTheCa)
    {
        var port = FreePort.Next();
        var ca = trustTheCa ? $"  server_tls_ca_file: {certs.CaFile}\n" : "";
        return TestProxy.StartAsync($"""
            tlsrepl:
              listen: 127.0.0.1:{port}
              redis: true
              read_policy: replica
              server_tls: true
            {ca}  servers:
                - 127.0.0.1:{master.Port}:1 master
                - 127.0.0.1:{replica.Port}:1 replica1

            """, port);
    }

    [Fact]
    public Task ForkMasterRule_ReadPolicyReplica_ReadsServedByTheTlsReplica() => WithTlsPairAsync(async (master, replica, _) =>
    {
        await using var proxy = await StartForkProxyAsync(master, replica, trustTheCa: true);
        var port = proxy.Port;
        var stats = proxy.Host.Pools.Single().Stats;
        // The ROLE checks reach both TLS-only servers: the replica is reported as such, linked.
        JsonElement Rendered() => JsonDocument.Parse(Sharpcracker.OperatorConsole.TwemproxyStatsJson.RenderText([stats])).RootElement.GetProperty("tlsrepl");
        string? Role(string server) => Rendered().GetProperty(server).GetProperty("role").GetString();
        await Poll.UntilAsync(() => Task.FromResult(Role("replica1") == "slave" && Role("master") == "master" ? "" : null),
            TimeSpan.FromSeconds(10), "both roles from ROLE checks over TLS");
        Assert.True(proxy.Host.Pools.Single().Topology.Servers.Single(s => s.Name == "replica1").Replication.Usable, "the replica is in service for reads");

        using var client = new RespConnection(port);
        Assert.Equal("+OK\r\n", await client.CallAsync("SET", "tls:repl", "through the proxy"));
        await ReadFromReplicaAsync(client, master, replica);
        Assert.Equal(0, stats.ServerTls.Failures);
    });

    /// <summary>
    /// The same servers, but a pool that does not trust their CA (no server_tls_ca_file: the system
    /// roots): the ROLE check's handshake is refused, so the replica is down with the certificate
    /// error as the reason, and reads (read_policy replica) are refused rather than sent to it.
    /// </summary>
    [Fact]
    public Task ForkMasterRule_UntrustedCertificate_ReplicaDown_ReadsRefused() => WithTlsPairAsync(async (master, replica, _) =>
    {
        await using var proxy = await StartForkProxyAsync(master, replica, trustTheCa: false);
        var port = proxy.Port;
        var server = proxy.Host.Pools.Single().Topology.Servers.Single(s => s.Name == "replica1");
        await Poll.UntilAsync(() => Task.FromResult(server.Replication.Role == "down" ? "" : null), TimeSpan.FromSeconds(10), "the replica's ROLE check refused");
        Assert.Contains("certificate", server.Replication.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.False(server.Replication.Usable);
        using var client = new RespConnection(port);
        Assert.StartsWith("-ERR no server for reads", await client.CallAsync("GET", "tls:repl"));
    });

    /// <summary>
    /// After the proxy's SET of tls:repl reached the replica, a GET through the proxy returns it,
    /// served by the replica (once it is in service for reads); the SET ran on the master.
    /// </summary>
    private async Task ReadFromReplicaAsync(RespConnection client, ExternalProcess master, ExternalProcess replica)
    {
        using (var m = await RespConnection.ConnectTlsAsync(master.Port, certs))
        {
            // WAIT covers this connection's writes: one here first makes it cover the proxy's SET too.
            Assert.Equal("+OK\r\n", await m.CallAsync("SET", "tls:sync", "1"));
            Assert.Equal(":1\r\n", await m.CallAsync("WAIT", "1", "10000"));
        }
        // A Sentinel pool may still wait for Sentinel's view of the replica (read_policy replica
        // never falls back to the master, so a refused read reaches no server).
        var reply = await Poll.UntilAsync(async () => await client.CallAsync("GET", "tls:repl") is var r && !r.StartsWith("-ERR no server for reads", StringComparison.Ordinal) ? r : null,
            TimeSpan.FromSeconds(10), "the replica in service for reads");
        Assert.Equal("$17\r\nthrough the proxy\r\n", reply);
        Assert.Equal(1, await CallsAsync(replica.Port, "get"));
        Assert.Equal(0, await CallsAsync(master.Port, "get"));
        Assert.Equal(2, await CallsAsync(master.Port, "set")); // the proxy's and the sync marker's
    }

    /// <summary>
    /// A Sentinel pool: the sentinel listens in plaintext (and reaches the TLS-only servers with
    /// tls-replication yes); the proxy asks it in plaintext, then confirms the master with ROLE
    /// over TLS before writing, and checks the replica over TLS before reading from it.
    /// </summary>
    [Fact]
    public Task SentinelPool_PlaintextSentinel_TlsDataNodes_WritesAndReplicaReads() => WithTlsPairAsync(async (master, replica, dir) =>
    {
        var sentinelPort = FreePort.Next();
        var file = Path.Combine(dir, "sentinel.conf");
        File.WriteAllText(file, $"""
            port {sentinelPort}
            bind 127.0.0.1
            daemonize no
            protected-mode no
            dir {dir}
            tls-cert-file {certs.Cert("server")}
            tls-key-file {certs.Key("server")}
            tls-ca-cert-file {certs.CaFile}
            tls-replication yes
            sentinel monitor tlsgroup 127.0.0.1 {master.Port} 1
            sentinel down-after-milliseconds tlsgroup 1000

            """);
        using var sentinel = ExternalProcess.Start("redis-server", [file, "--sentinel", "--loglevel", "warning"], sentinelPort);
        await Poll.UntilAsync(async () =>
        {
            using var c = new RespConnection(sentinelPort);
            var reply = await c.CallAsync("SENTINEL", "replicas", "tlsgroup");
            return RedisReplicaSet.Field(reply, "flags") == "slave" ? reply : null;
        }, TimeSpan.FromSeconds(20), "the sentinel connected to the replica over TLS");

        var port = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync($"""
            ha:
              listen: 127.0.0.1:{port}
              redis: true
              read_policy: replica
              server_tls: true
              server_tls_ca_file: {certs.CaFile}
              sentinels:
                - 127.0.0.1:{sentinelPort}
              servers:
                - 127.0.0.1:6379:1 tlsgroup

            """, port);
        var stats = proxy.Host.Pools.Single().Stats;
        using var client = new RespConnection(port);
        // Writes wait for the sentinel's answer and the master's ROLE confirmation over TLS.
        await Poll.UntilAsync(async () => await client.CallAsync("SET", "tls:repl", "through the proxy") == "+OK\r\n" ? "" : null,
            TimeSpan.FromSeconds(20), "the master found by Sentinel and confirmed over TLS");
        await Poll.UntilAsync(() => Task.FromResult(stats.Servers.Any(s => s.Replication?.Role == "slave") ? "" : null),
            TimeSpan.FromSeconds(10), "the replica's role from a ROLE check over TLS");
        await ReadFromReplicaAsync(client, master, replica);
        Assert.Equal(0, stats.ServerTls.Failures);
    });

    /// <summary>calls of one command on a TLS-only server, from INFO commandstats.</summary>
    private async Task<long> CallsAsync(int port, string command)
    {
        using var c = await RespConnection.ConnectTlsAsync(port, certs);
        return (await RedisReplicaSet.CommandCallsAsync(c)).GetValueOrDefault(command);
    }
}
