using System.Diagnostics;
using Sharpcracker.Configuration;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// A network that misbehaves (docs/reliability.md): one server of a two-server pool sits behind a
/// <see cref="FaultRelay"/>, the other is reached directly. For each fault and each client protocol:
/// what a client of the faulty server sees (value or the documented reason, and how long it took —
/// printed, bounded only to prove there is no hang), that a client of the other server is not
/// affected meanwhile, that the proxy lets go of a connection the fault broke, and that the faulty
/// server is served again once the fault lifts.
/// </summary>
public sealed class FaultRelayTests(ITestOutputHelper output)
{
    private const int TimeoutMs = 1000;

    /// <summary>No answer may take this long: far above every timeout involved, far below the client's own read limit.</summary>
    private static readonly TimeSpan s_noHang = TimeSpan.FromSeconds(10);

    public static TheoryData<FaultKind, WireProtocol> Cases()
    {
        var cases = new TheoryData<FaultKind, WireProtocol>();
        foreach (var fault in Enum.GetValues<FaultKind>().Where(f => f != FaultKind.None))
        {
            foreach (var protocol in Enum.GetValues<WireProtocol>())
            {
                cases.Add(fault, protocol);
            }
        }
        return cases;
    }

    /// <summary>The answer a get of a key on the faulty server must get while the fault is on (operations.md, "What a client sees").</summary>
    private static Reply Expected(FaultKind fault, string value) => fault switch
    {
        FaultKind.Latency or FaultKind.Bandwidth or FaultKind.OneByteSegments => new Reply(ReplyKind.Value, value),
        FaultKind.Stall or FaultKind.BlackHole => new Reply(ReplyKind.Error, "Connection timed out"),
        FaultKind.ResetMidReply => new Reply(ReplyKind.Error, "Connection reset by peer"),
        FaultKind.HalfClose => new Reply(ReplyKind.Error, "unknown"),
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    private static ExternalProcess StartServer(WireProtocol protocol) => protocol == WireProtocol.Redis ? RedisServer.Start() : ExternalProcess.StartMemcached();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Fault_ClientGetsValueOrDocumentedReason_OtherServerUnaffected_RecoversWhenLifted(FaultKind fault, WireProtocol protocol)
    {
        using var faulty = StartServer(protocol);
        using var healthy = StartServer(protocol);
        using var relay = new FaultRelay(faulty.Port) { LatencyMs = 50, BytesPerSecond = 64 * 1024 };
        var port = FreePort.Next();
        var yaml = TestProxy.OnePool("pool", port, [relay.Port, healthy.Port],
            (protocol == WireProtocol.Redis ? "redis: true\n" : "") + $"hash: fnv1a_64\ndistribution: ketama\ntimeout: {TimeoutMs}");
        var pool = ConfigLoader.Parse(yaml, "relay.yml").Pools[0];
        await using var proxy = await TestProxy.StartAsync(yaml, port, threads: 2);
        var keyA = KeyPlacement.KeyOn(pool, 0, "relayed");
        var keyB = KeyPlacement.KeyOn(pool, 1, "direct");
        var valueA = string.Concat(Enumerable.Repeat("a-0123456789", 200)); // 2.4 KB: a reply the one-shot faults can cut in half
        var valueB = "b-value";

        using var client = new ProtocolClient(protocol, port);
        Assert.Equal(ReplyKind.Value, (await client.SetAsync(keyA, valueA)).Kind);
        Assert.Equal(ReplyKind.Value, (await client.SetAsync(keyB, valueB)).Kind);
        Assert.Equal(new Reply(ReplyKind.Value, valueA), await client.GetAsync(keyA));
        var closedBefore = relay.ClosedByProxy;

        relay.Set(fault);
        using var stopOther = new CancellationTokenSource();
        var other = Task.Run(async () =>
        {
            // Another client of the healthy server, throughout the fault.
            using var c = new ProtocolClient(protocol, port);
            var replies = new List<Reply>();
            do
            {
                replies.Add(await c.GetAsync(keyB));
            }
            while (!stopOther.IsCancellationRequested);
            return replies;
        });
        var watch = Stopwatch.StartNew();
        var reply = await client.GetAsync(keyA);
        var answeredMs = watch.Elapsed.TotalMilliseconds;
        stopOther.Cancel();
        var otherReplies = await other;

        relay.Lift();
        watch.Restart();
        await Poll.UntilAsync(async () => await client.GetAsync(keyA) is { Kind: ReplyKind.Value } r && r.Text == valueA ? "served" : null,
            s_noHang, $"{fault}/{protocol}: the server was not served again after the fault lifted");
        var recoveredMs = watch.Elapsed.TotalMilliseconds;
        output.WriteLine($"| {fault} | {protocol} | {reply} | {answeredMs:F0} ms | {otherReplies.Count} | {recoveredMs:F0} ms |");

        Assert.Equal(Expected(fault, valueA), reply);
        Assert.True(watch.Elapsed < s_noHang && answeredMs < s_noHang.TotalMilliseconds, $"answered after {answeredMs:F0} ms");
        Assert.NotEmpty(otherReplies);
        Assert.All(otherReplies, r => Assert.Equal(new Reply(ReplyKind.Value, valueB), r));
        if (fault is FaultKind.Stall or FaultKind.BlackHole or FaultKind.HalfClose)
        {
            // The proxy gives up the broken connection (timed out, or the server's FIN) instead of keeping it half-open.
            Assert.True(await Poll.EventuallyAsync(() => relay.ClosedByProxy > closedBefore, 10), "the proxy kept the broken connection open");
        }
    }
}
