using System.Buffers.Binary;
using System.Globalization;
using Sharpcracker.Configuration;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.IntegrationTests.Routes;

/// <summary>
/// Routes over real memcached servers (docs/routes.md): where each route type sends a key, what a
/// down, stopped or killed server does to it, and a reload that changes the tree while clients send.
/// Where a key landed is read from the servers themselves.
/// </summary>
public sealed class RouteTests
{
    private static string Pool(string name, params int[] ports) => Pool(name, "", ports);

    private static string Pool(string name, string extra, params int[] ports)
        => $"{name}:\n  timeout: 500\n{extra}  servers:\n" + string.Concat(ports.Select((p, i) => $"    - 127.0.0.1:{p}:1 {name}{i}\n"));

    private static string Listener(int port, string route)
        => $"front:\n  listen: 127.0.0.1:{port}\n  route:\n" + string.Join("\n", route.Split('\n').Select(l => "    " + l)) + "\n";

    private static async Task<string> Direct(int port, string request)
    {
        using var c = new McConnection(port);
        await c.SendAsync(request);
        var lines = new List<string>();
        while (true)
        {
            var line = await c.ReadLineAsync();
            lines.Add(line);
            if (line is "END" or "STORED" or "DELETED" or "NOT_FOUND" or "EN" || line.StartsWith("VA ", StringComparison.Ordinal) || line.StartsWith("HD", StringComparison.Ordinal))
            {
                if (line.StartsWith("VA ", StringComparison.Ordinal))
                {
                    lines.Add(await c.ReadLineAsync());
                }
                return string.Join("|", lines);
            }
        }
    }

    /// <summary>Sends <paramref name="request"/> and reads one reply (a value reply through its END), lines joined as sent.</summary>
    private static async Task<string> Ask(McConnection c, string request)
    {
        await c.SendAsync(request);
        var lines = new List<string>();
        while (true)
        {
            var line = await c.ReadLineAsync();
            lines.Add(line);
            if (line.StartsWith("VA ", StringComparison.Ordinal))
            {
                lines.Add(await c.ReadLineAsync());
                break;
            }
            if (line.StartsWith("VALUE ", StringComparison.Ordinal))
            {
                lines.Add(await c.ReadLineAsync());
                continue;
            }
            break;
        }
        return string.Join("\r\n", lines) + "\r\n";
    }

    private static RouteNode Node(TestProxy proxy, string kind)
        => proxy.Host.Pools.Single(p => p.Name == "front").Routes!.Nodes().First(n => n.Kind == kind);

    [Fact]
    public async Task PrefixAndOperation_EachKeyLandsOnTheNamedPool_LongestPrefixWins_WholeKeyForwarded()
    {
        using var a = ExternalProcess.StartMemcached();
        using var b = ExternalProcess.StartMemcached();
        using var c = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var yaml = Pool("pa", a.Port) + Pool("pb", b.Port) + Pool("pc", c.Port)
            + Listener(port, "prefix:\n  \"user:\": pa\n  \"user:vip:\": pb\n  \"op:\": {operation: {gets: pa, updates: pb}, default: pc}\ndefault: pc");
        await using var proxy = await TestProxy.StartAsync(yaml, port);
        using var client = new McConnection(proxy.Port);
        foreach (var key in new[] { "user:1", "user:vip:1", "other", "op:1" })
        {
            Assert.Equal("STORED\r\n", await Ask(client, $"set {key} 0 0 1\r\nx\r\n"));
        }
        Assert.Equal("VALUE user:1 0 1|x|END", await Direct(a.Port, "get user:1\r\n"));
        Assert.Equal("END", await Direct(b.Port, "get user:1\r\n"));
        Assert.Equal("VALUE user:vip:1 0 1|x|END", await Direct(b.Port, "get user:vip:1\r\n"));
        Assert.Equal("VALUE other 0 1|x|END", await Direct(c.Port, "get other\r\n"));
        Assert.Equal("VALUE op:1 0 1|x|END", await Direct(b.Port, "get op:1\r\n")); // updates -> pb
        // gets -> pa, where op:1 is not: a miss; a delete takes the default (pc).
        Assert.Equal("END\r\n", await Ask(client, "get op:1\r\n"));
        Assert.Equal("NOT_FOUND\r\n", await Ask(client, "delete op:1\r\n"));
        // One multi-get over three pools, merged in the client's key order.
        Assert.Equal("VALUE other 0 1\r\nx\r\nVALUE user:1 0 1\r\nx\r\nVALUE user:vip:1 0 1\r\nx\r\nEND\r\n",
            await Ask(client, "get other user:1 nope user:vip:1\r\n"));
    }

    [Fact]
    public async Task PrefixWithoutDefault_UnmatchedKeyGetsAnError_OtherClientsUnaffected()
    {
        using var a = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync(Pool("pa", a.Port) + Listener(port, "prefix:\n  \"a:\": pa"), port);
        using var client = new McConnection(proxy.Port);
        Assert.Equal("SERVER_ERROR no route for key\r\n", await Ask(client, "set b:1 0 0 1\r\nx\r\n"));
        Assert.Equal("STORED\r\n", await Ask(client, "set a:1 0 0 1\r\nx\r\n"));
    }

    [Fact]
    public async Task Failover_DownFirstChild_WritesLandOnGutterWithCappedTtl_InTextMetaAndBinary_MissIsNotAnError()
    {
        using var main = ExternalProcess.StartMemcached();
        using var gutter = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var yaml = Pool("cache", main.Port) + Pool("gutter", gutter.Port) + Listener(port, "failover: [cache, gutter]\nfailover_ttl: 30");
        await using var proxy = await TestProxy.StartAsync(yaml, port);
        using var client = new McConnection(proxy.Port);
        // Healthy: a miss on cache is the answer even though gutter has the key.
        Assert.Equal("HD\r\n", (await Direct(gutter.Port, "ms k1 1 T0\r\ng\r\n")) + "\r\n");
        Assert.Equal("END\r\n", await Ask(client, "get k1\r\n"));
        Assert.Equal(0, Node(proxy, "failover").Counters.Total(RouteCounter.Failovers));

        main.Dispose(); // the first child is down: connection refused
        Assert.Equal("STORED\r\n", await Ask(client, "set t 0 0 1\r\nx\r\n"));
        Assert.Equal("VALUE t 0 1\r\nx\r\nEND\r\n", await Ask(client, "get t\r\n"));
        Assert.Equal("HD\r\n", await Ask(client, "ms m 1 T1000\r\ny\r\n"));
        Assert.Equal("VA 1 f7\r\nz\r\n", await Ask(client, "ms q 1 F7 q\r\nz\r\nmg q v f\r\n"));
        foreach (var key in new[] { "t", "m", "q" })
        {
            var ttl = int.Parse((await Direct(gutter.Port, $"mg {key} t\r\n"))["HD t".Length..], CultureInfo.InvariantCulture);
            Assert.InRange(ttl, 1, 30); // 0 (never) and 1000 both capped at failover_ttl
        }
        // Binary SET with no expiry, through the same route (a binary client: memcached fixes the protocol per connection).
        using var binary = new McConnection(proxy.Port);
        var key2 = "b"u8.ToArray();
        var set = new byte[24 + 8 + key2.Length + 1];
        set[0] = 0x80; set[1] = 0x01; set[3] = (byte)key2.Length; set[4] = 8;
        BinaryPrimitives.WriteUInt32BigEndian(set.AsSpan(8), (uint)(8 + key2.Length + 1));
        key2.CopyTo(set, 32);
        set[^1] = (byte)'v';
        await binary.SendAsync(set);
        var reply = await binary.ReadExactlyAsync(24);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(6)));
        var binaryTtl = int.Parse((await Direct(gutter.Port, "mg b t\r\n"))["HD t".Length..], CultureInfo.InvariantCulture);
        Assert.InRange(binaryTtl, 1, 30);
        Assert.True(Node(proxy, "failover").Counters.Total(RouteCounter.Failovers) >= 5);
    }

    [Fact]
    public async Task Failover_StoppedFirstChild_TimeoutSendsToGutter_ThenBackOnceItReturns()
    {
        using var main = ExternalProcess.StartMemcached();
        using var gutter = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var yaml = Pool("cache", "  timeout: 300\n", main.Port).Replace("  timeout: 500\n", "", StringComparison.Ordinal)
            + Pool("gutter", gutter.Port) + Listener(port, "failover: [cache, gutter]\nfailover_errors: [timeout, connect]");
        await using var proxy = await TestProxy.StartAsync(yaml, port);
        using var client = new McConnection(proxy.Port);
        Assert.Equal("STORED\r\n", await Ask(client, "set k 0 0 1\r\na\r\n"));
        main.Signal("STOP");
        try
        {
            Assert.Equal("STORED\r\n", await Ask(client, "set k 0 0 1\r\nb\r\n"));
            Assert.Equal("VALUE k 0 1|b|END", await Direct(gutter.Port, "get k\r\n"));
        }
        finally
        {
            main.Signal("CONT");
        }
        // Back: writes land on the first child again.
        var n = 0;
        Assert.True(await Poll.EventuallyAsync(async () =>
        {
            n++;
            Assert.Equal("STORED\r\n", await Ask(client, $"set back{n} 0 0 1\r\nc\r\n"));
            return await Direct(main.Port, $"get back{n}\r\n") == $"VALUE back{n} 0 1|c|END";
        }));
    }

    [Fact]
    public async Task Failover_StoppedServerComesBack_WritesItMissedAreDeletedOnIt_NoOldValueEverRead()
    {
        using var main = ExternalProcess.StartMemcached();
        using var gutter = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var yaml = Pool("cache", main.Port).Replace("timeout: 500", "timeout: 300", StringComparison.Ordinal)
            + Pool("gutter", gutter.Port) + Listener(port, "failover: [cache, gutter]");
        await using var proxy = await TestProxy.StartAsync(yaml, port);
        using var client = new McConnection(proxy.Port);
        const int Keys = 150; // more than one batch of the cleaner's deletes
        for (var i = 0; i < Keys; i++)
        {
            Assert.Equal("STORED\r\n", await Ask(client, $"set m{i} 0 0 3\r\nold\r\n"));
        }
        main.Signal("STOP");
        try
        {
            for (var i = 0; i < Keys; i++)
            {
                Assert.Equal("STORED\r\n", await Ask(client, $"set m{i} 0 0 3\r\nnew\r\n")); // the first times out, the rest skip the held server
            }
            Assert.NotNull(proxy.Host.Pools.Single(p => p.Name == "cache").Servers[0].MissedWrites);
        }
        finally
        {
            main.Signal("CONT");
        }
        // Until the cleaner has deleted every key it missed, reads go to the gutter; after, to the
        // main server, which no longer has the old values: never "old".
        var cache = proxy.Host.Pools.Single(p => p.Name == "cache").Servers[0];
        var reads = 0;
        while (cache.MissedWrites is not null || reads < Keys)
        {
            var reply = await Ask(client, $"get m{reads % Keys}\r\n");
            Assert.DoesNotContain("old", reply, StringComparison.Ordinal);
            reads++;
            Assert.True(reads < 100_000, "the server is still held");
        }
        for (var i = 0; i < Keys; i++)
        {
            Assert.Equal("END", await Direct(main.Port, $"get m{i}\r\n"));
        }
    }

    [Fact]
    public async Task Replicated_OneReplicaKilledUnderLoad_MajorityWritesAndReadsKeepSucceeding()
    {
        using var r1 = ExternalProcess.StartMemcached();
        using var r2 = ExternalProcess.StartMemcached();
        var r3 = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var yaml = Pool("r1", r1.Port) + Pool("r2", r2.Port) + Pool("r3", r3.Port)
            + Listener(port, "replicated: [r1, r2, r3]\nwrite_policy: majority");
        await using var proxy = await TestProxy.StartAsync(yaml, port);
        using var client = new McConnection(proxy.Port);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("STORED\r\n", await Ask(client, $"set k{i} 0 0 1\r\nx\r\n"));
        }
        foreach (var r in new[] { r1, r2, r3 })
        {
            Assert.Equal("VALUE k7 0 1|x|END", await Direct(r.Port, "get k7\r\n"));
        }
        r3.Dispose();
        var hits = 0;
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("STORED\r\n", await Ask(client, $"set k{i} 0 0 1\r\ny\r\n"));
            hits += await Ask(client, $"get k{i}\r\n") == $"VALUE k{i} 0 1\r\ny\r\nEND\r\n" ? 1 : 0;
        }
        Assert.Equal(50, hits);
        Assert.Equal("DELETED\r\n", await Ask(client, "delete k1\r\n"));
        Assert.Equal("END", await Direct(r1.Port, "get k1\r\n"));
    }

    [Fact]
    public async Task Replicated_AllPolicy_OneReplicaDown_WriteFailsWithItsError()
    {
        using var r1 = ExternalProcess.StartMemcached();
        var dead = FreePort.Next();
        var port = FreePort.Next();
        var yaml = Pool("r1", r1.Port) + Pool("r2", dead) + Listener(port, "replicated: [r1, r2]\nwrite_policy: all");
        await using var proxy = await TestProxy.StartAsync(yaml, port);
        using var client = new McConnection(proxy.Port);
        Assert.Equal("SERVER_ERROR Connection refused\r\n", await Ask(client, "set k 0 0 1\r\nx\r\n"));
        Assert.Equal("VALUE k 0 1|x|END", await Direct(r1.Port, "get k\r\n")); // the live replica took it: the client was told it did not hold everywhere
    }

    [Fact]
    public async Task Shadow_StoppedShadowPool_PrimaryRepliesAll_CopiesBoundedAndDropped()
    {
        using var main = ExternalProcess.StartMemcached();
        using var shadow = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var yaml = Pool("main", main.Port) + Pool("sh", shadow.Port) + Listener(port, "shadow: sh\nprimary: main");
        await using var proxy = await TestProxy.StartAsync(yaml, port, threads: 1);
        using var client = new McConnection(proxy.Port);
        Assert.Equal("STORED\r\n", await Ask(client, "set s 0 0 1\r\nx\r\n"));
        Assert.True(await Poll.EventuallyAsync(async () => await Direct(shadow.Port, "get s\r\n") == "VALUE s 0 1|x|END"));
        shadow.Signal("STOP");
        try
        {
            var node = (ShadowRoute)Node(proxy, "shadow");
            for (var i = 0; i < ShadowRoute.MaxInFlightPerWorker + 200; i++)
            {
                Assert.Equal("STORED\r\n", await Ask(client, $"set s{i} 0 0 1\r\nx\r\n"));
            }
            Assert.True(node.Counters.Total(RouteCounter.ShadowDropped) >= 200, $"dropped {node.Counters.Total(RouteCounter.ShadowDropped)}");
        }
        finally
        {
            shadow.Signal("CONT");
        }
    }

    [Fact]
    public async Task WarmUp_ColdMissIsFilledFromWarmWithAdd_WritesGoToCold()
    {
        using var cold = ExternalProcess.StartMemcached();
        using var warm = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var yaml = Pool("cold", cold.Port) + Pool("warm", warm.Port) + Listener(port, "warm_up: {cold: cold, warm: warm}\nfill_ttl: 120");
        await using var proxy = await TestProxy.StartAsync(yaml, port);
        using var client = new McConnection(proxy.Port);
        Assert.Equal("HD", await Direct(warm.Port, "ms w 3 F5\r\nabc\r\n"));
        Assert.Equal("VALUE w 5 3\r\nabc\r\nEND\r\n", await Ask(client, "get w\r\n"));
        Assert.True(await Poll.EventuallyAsync(async () => (await Direct(cold.Port, "mg w t f v\r\n")).StartsWith("VA 3 t1", StringComparison.Ordinal)));
        var cached = await Direct(cold.Port, "mg w t f\r\n");
        Assert.Matches("^HD t(1[01][0-9]|120) f5$", cached);
        Assert.Equal("STORED\r\n", await Ask(client, "set n 0 0 1\r\nq\r\n"));
        Assert.Equal("VALUE n 0 1|q|END", await Direct(cold.Port, "get n\r\n"));
        Assert.Equal("END", await Direct(warm.Port, "get n\r\n"));
        Assert.Equal(1, Node(proxy, "warm_up").Counters.Total(RouteCounter.Fills));
    }

    [Fact]
    public async Task Reload_AddsAndRemovesPoolsWithoutListen_ClientStaysConnected()
    {
        using var a = ExternalProcess.StartMemcached();
        using var b = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync(Pool("pa", a.Port) + Listener(port, "pa"), port);
        using var client = new McConnection(proxy.Port);
        Assert.Equal("STORED\r\n", await Ask(client, "set k 0 0 1\r\na\r\n"));
        var added = await proxy.Host.ApplyAsync(ConfigLoader.Parse(Pool("pa", a.Port) + Pool("pb", b.Port) + Listener(port, "failover: [pb, pa]"), "test.yml"));
        Assert.Contains("+pool 'pb' (routes only)", added);
        Assert.Contains("pool 'front': route changed", added);
        Assert.Equal("STORED\r\n", await Ask(client, "set k 0 0 1\r\nb\r\n"));
        Assert.Equal("VALUE k 0 1|b|END", await Direct(b.Port, "get k\r\n"));
        var removed = await proxy.Host.ApplyAsync(ConfigLoader.Parse(Pool("pa", a.Port) + Listener(port, "pa"), "test.yml"));
        Assert.Contains("-pool 'pb' (routes only)", removed);
        Assert.Equal("VALUE k 0 1\r\na\r\nEND\r\n", await Ask(client, "get k\r\n")); // the same client, on pa again
        Assert.DoesNotContain(proxy.Host.Pools, p => p.Name == "pb");
    }

    [Fact]
    public async Task Reload_ChangesTheTreeWhileClientsSend_NoClientDropped_NoErrors()
    {
        using var a = ExternalProcess.StartMemcached();
        using var b = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        string Yaml(string target) => Pool("pa", a.Port) + Pool("pb", b.Port) + Listener(port, $"prefix:\n  \"k\": {target}\ndefault: pa");
        await using var proxy = await TestProxy.StartAsync(Yaml("pa"), port);
        using var stop = new CancellationTokenSource();
        var errors = 0;
        var sent = 0;
        var load = Task.Run(async () =>
        {
            using var c = new McConnection(proxy.Port);
            while (!stop.IsCancellationRequested)
            {
                var reply = await Ask(c, $"set k{sent % 100} 0 0 1\r\nx\r\n");
                errors += reply == "STORED\r\n" ? 0 : 1;
                sent++;
            }
        });
        Assert.True(await Poll.EventuallyAsync(() => sent > 200));
        var changes = await proxy.Host.ApplyAsync(ConfigLoader.Parse(Yaml("pb"), "test.yml"));
        Assert.Contains("pool 'front': route changed", changes);
        var atReload = sent;
        Assert.True(await Poll.EventuallyAsync(() => sent > atReload + 200));
        stop.Cancel();
        await load;
        Assert.Equal(0, errors);
        Assert.Equal("VALUE k7 0 1|x|END", await Direct(b.Port, "get k7\r\n"));
    }
}
