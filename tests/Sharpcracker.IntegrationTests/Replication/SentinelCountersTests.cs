using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Replication;

/// <summary>
/// The stats port's counters of a Sentinel pool across a failover (found by the soak under
/// faults, docs/reliability.md): a server Sentinel stops naming for a moment while it demotes it
/// and then names again is the same server, and its counters go on from where they were.
/// </summary>
public sealed class SentinelCountersTests(ITestOutputHelper output)
{
    private const string Group = "counted";

    private static async Task<long> RequestsAsync(TestProxy proxy, List<string> servers)
    {
        using var stats = JsonDocument.Parse(await proxy.ReadStatsAsync());
        servers.Clear();
        long total = 0;
        foreach (var server in stats.RootElement.GetProperty("ha").EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object))
        {
            servers.Add(server.Name);
            total += server.Value.GetProperty("requests").GetInt64();
        }
        return total;
    }

    [Fact]
    public async Task Failover_TheOldMastersCountersKeepTheirHistory_PoolTotalsNeverGoBack()
    {
        using var set = await RedisReplicaSet.StartAsync(replicas: 1);
        await set.StartSentinelsAsync(Group);
        var port = FreePort.Next();
        using var proxy = TestProxy.StartProcess($"""
            ha:
              listen: 127.0.0.1:{port}
              redis: true
              timeout: 2000
              sentinels:
            {string.Concat(set.Sentinels.Select(s => $"    - 127.0.0.1:{s.Port}\n"))}  servers:
                - 127.0.0.1:6379:1 {Group}

            """, port);
        await Poll.UntilAsync(async () =>
        {
            using var c = new RespConnection(port);
            return await c.CallAsync("SET", "probe", "1") == "+OK\r\n" ? "" : null;
        }, TimeSpan.FromSeconds(30), "writes through the proxy");
        using (var c = new RespConnection(port))
        {
            for (var i = 0; i < 100; i++)
            {
                Assert.Equal("+OK\r\n", await c.CallAsync("SET", "k" + i.ToString(CultureInfo.InvariantCulture), "v"));
            }
        }
        var servers = new List<string>();
        var before = await RequestsAsync(proxy, servers);
        Assert.True(before >= 100, $"{before} requests counted");
        var oldMaster = await set.SentinelMasterPortAsync(Group);

        await Poll.UntilAsync(async () =>
        {
            using var s = new RespConnection(set.Sentinels[0].Port);
            return await s.CallAsync("SENTINEL", "FAILOVER", Group) == "+OK\r\n" ? "" : null;
        }, TimeSpan.FromSeconds(30), "SENTINEL FAILOVER accepted");
        await Poll.UntilAsync(async () => await set.SentinelMasterPortAsync(Group) != oldMaster ? "" : null, TimeSpan.FromSeconds(30), "a new master");
        Assert.NotEqual(oldMaster, await set.WaitSettledAsync(Group)); // the old master a linked replica of the new one
        // Until the proxy lists the old master again, as the new master's replica; the pool's total must never go back meanwhile.
        var oldName = "127.0.0.1:" + oldMaster.ToString(CultureInfo.InvariantCulture);
        var seen = new List<long>();
        await Poll.UntilAsync(async () =>
        {
            seen.Add(await RequestsAsync(proxy, servers));
            return servers.Contains(oldName) && servers.Count == 2 ? "" : null;
        }, TimeSpan.FromSeconds(30), "the old master listed again");
        output.WriteLine($"requests before the failover {before}; pool totals after it: {string.Join(", ", seen.Distinct())}");
        Assert.All(seen, total => Assert.True(total >= before, $"the pool's requests went back from {before} to {total}"));
    }
}
