using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Sharpcracker.IntegrationTests.Replication;

/// <summary>conf/fork-master-slave.yml (the fork's layout, as its repository ships it): -t accepts it, and it runs.</summary>
public sealed partial class ForkExampleTests
{
    private static string ExampleFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "conf", "fork-master-slave.yml");
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException("conf/fork-master-slave.yml");
    }

    [Fact]
    public async Task TestConf_AcceptsTheForksLayout_WarnsOnceOnUserAndGroup()
    {
        using var p = System.Diagnostics.Process.Start(SharpcrackerExecutable.StartInfo(["-t", "-c", ExampleFile()]))!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        Assert.Equal(0, p.ExitCode);
        var err = await stderr;
        Assert.Contains("syntax is ok", err);
        Assert.Single(Regex.Matches(err, "\"user\"/\"group\" are not applied"));
    }

    [Fact]
    public async Task TheForksExample_RunsWithItsMasterRule()
    {
        using var set = await RedisReplicaSet.StartAsync(replicas: 1);
        var ports = new Dictionary<int, int>
        {
            [6379] = set.Master.Port,
            [6380] = set.Replicas.Single().Port,
        };
        var unix = Path.Combine(Path.GetTempPath(), $"sc-fork-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        // Every other address in the file becomes a free loopback port (nothing listens on the backends).
        var yaml = AddressPattern().Replace(File.ReadAllText(ExampleFile()), m =>
        {
            var port = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (!ports.TryGetValue(port, out var mapped))
            {
                ports[port] = mapped = FreePort.Next();
            }
            return "127.0.0.1:" + mapped;
        }).Replace("/tmp/gamma", unix, StringComparison.Ordinal);
        using var proxy = TestProxy.StartProcess(yaml, ports[22121]);
        try
        {
            using var c = new RespConnection(ports[22121]);
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "forkkey", "v"));
            await RedisReplicaSet.WaitReplicatedAsync(set.Master.Port, 1);
            Assert.Equal("$1\r\nv\r\n", await c.CallAsync("GET", "forkkey"));
            Assert.Equal(2, (await RedisReplicaSet.CommandCallsAsync(set.Master.Port)).GetValueOrDefault("set")); // the proxy's and the sync marker's
            Assert.Equal(0, (await RedisReplicaSet.CommandCallsAsync(set.Master.Port)).GetValueOrDefault("get"));
            Assert.Equal(1, (await RedisReplicaSet.CommandCallsAsync(set.Replicas.Single().Port)).GetValueOrDefault("get"));
            // The stats port shows the group's roles.
            var stats = await Poll.UntilAsync(async () =>
            {
                using var s = new TcpClient("127.0.0.1", proxy.StatsPort);
                var text = await new StreamReader(s.GetStream()).ReadToEndAsync();
                return text.Contains("\"role\":\"slave\"", StringComparison.Ordinal) ? text : null;
            }, TimeSpan.FromSeconds(10), "roles in the stats");
            Assert.Contains("\"role\":\"master\"", stats);
            Assert.Single(Regex.Matches(proxy.Log, "\"user\"/\"group\" are not applied"));
        }
        finally
        {
            File.Delete(unix);
        }
    }

    [GeneratedRegex(@"127\.0\.0\.1:(\d+)")]
    private static partial Regex AddressPattern();
}
