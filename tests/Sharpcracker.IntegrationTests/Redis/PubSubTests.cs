using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sharpcracker.Configuration;
using Sharpcracker.Hosting;

namespace Sharpcracker.IntegrationTests.Redis;

/// <summary>
/// Pub/sub through a Redis pool (docs/redis.md, "Pub/sub"): the same sequence against one
/// redis-server and through the proxy gets the same replies, in RESP2 (subscribed mode) and
/// RESP3 (pushes); over three servers a channel meets its publisher on the server its name hashes
/// to, patterns hear every server, a fan-out costs one upstream subscription per worker and keeps
/// each channel's order; a SUBSCRIBE is confirmed only once the server has it; a server restart
/// restores the subscriptions; a subscriber that never reads is disconnected at
/// client_output_limit without holding up the others.
/// </summary>
public sealed class PubSubTests
{
    private static string Bulk(string s) => $"${Encoding.UTF8.GetByteCount(s)}\r\n{s}\r\n";

    private static string Message(string channel, string payload) => $"*3\r\n{Bulk("message")}{Bulk(channel)}{Bulk(payload)}";

    /// <summary>One scripted session: a subscriber and a publisher; every reply either reads, in order.</summary>
    private static async Task<List<string>> RunScriptAsync(RespConnection sub, RespConnection pub, bool resp3)
    {
        var replies = new List<string>();
        async Task Sub(int read, params string[] command)
        {
            await sub.SendAsync(RespConnection.Encode(command));
            for (var i = 0; i < read; i++)
            {
                replies.Add(await sub.ReadReplyAsync());
            }
        }
        async Task Pub(int delivered, params string[] command)
        {
            replies.Add(await pub.CallAsync(command));
            for (var i = 0; i < delivered; i++)
            {
                replies.Add(await sub.ReadReplyAsync());
            }
        }
        if (resp3)
        {
            await Sub(1, "HELLO", "3");
            replies[^1] = replies[^1][..4]; // the server's HELLO map (version, id) is HELLO's own test
        }
        await Sub(1, "UNSUBSCRIBE");
        await Sub(1, "PUNSUBSCRIBE");
        await Sub(1, "SUNSUBSCRIBE");
        await Sub(2, "SUBSCRIBE", "news", "sport");
        await Sub(1, "SUBSCRIBE", "news");
        await Sub(1, "PSUBSCRIBE", "wea*");
        await Sub(1, "GET", "k");
        await Sub(1, "CLIENT", "GETNAME");
        await Sub(1, "PING");
        await Sub(1, "PING", "hi");
        await Sub(1, "PING", "a", "b");
        await Sub(1, "NOSUCH");
        await Sub(1, "SUBSCRIBE");
        await Sub(1, "PUBSUB", "NUMPAT");
        await Pub(1, "PUBLISH", "news", "n1");
        await Pub(1, "PUBLISH", "weather", "w1");
        await Pub(0, "PUBLISH", "nobody", "x");
        await Pub(1, "PUBLISH", "sport", "s1");
        await Sub(1, "SSUBSCRIBE", "orders");
        await Pub(1, "SPUBLISH", "orders", "o1");
        await Pub(0, "PUBLISH", "orders", "not-shard");
        await Sub(2, "UNSUBSCRIBE", "news", "never");
        await Pub(0, "PUBLISH", "news", "n2");
        await Sub(1, "UNSUBSCRIBE");
        await Sub(1, "PUNSUBSCRIBE", "wea*");
        await Sub(1, "GET", "k");
        await Sub(1, "SUNSUBSCRIBE");
        await Sub(1, "UNSUBSCRIBE");
        await Sub(1, "GET", "k");
        await Sub(1, "PING");
        return replies;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SameSequence_SameRepliesAsRedisServer(bool resp3)
    {
        using var direct = RedisServer.Start();
        using var behind = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([behind.Port]);
        List<string> expected, actual;
        using (var sub = new RespConnection(direct.Port))
        using (var pub = new RespConnection(direct.Port))
        {
            expected = await RunScriptAsync(sub, pub, resp3);
        }
        using (var sub = new RespConnection(proxy.Port))
        using (var pub = new RespConnection(proxy.Port))
        {
            actual = await RunScriptAsync(sub, pub, resp3);
        }
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i] == actual[i], $"reply {i}: redis-server {expected[i]} proxy {actual[i]}");
        }
        Assert.Contains(expected, r => r.StartsWith(resp3 ? ">3\r\n$7\r\nmessage" : "*3\r\n$7\r\nmessage", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ThreeServers_ChannelsLiveWhereTheirNamesHash_PatternsHearEveryServer_PubSubMerged()
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port]);
        using var sub = new RespConnection(proxy.Port);
        using var psub = new RespConnection(proxy.Port);
        using var pub = new RespConnection(proxy.Port);
        var channels = Enumerable.Range(0, 30).Select(i => $"chan-{i}").ToArray();
        await sub.SendAsync(RespConnection.Encode(["SUBSCRIBE", .. channels]));
        for (var i = 0; i < channels.Length; i++)
        {
            Assert.Equal($"*3\r\n{Bulk("subscribe")}{Bulk(channels[i])}:{i + 1}\r\n", await sub.ReadReplyAsync());
        }
        Assert.Equal($"*3\r\n{Bulk("psubscribe")}{Bulk("chan-*")}:1\r\n", await psub.CallAsync("PSUBSCRIBE", "chan-*"));
        foreach (var channel in channels)
        {
            // Received by the channel's one subscription and the pattern's: the server PUBLISH went to has both.
            Assert.Equal(":2\r\n", await pub.CallAsync("PUBLISH", channel, "m-" + channel));
            Assert.Equal(Message(channel, "m-" + channel), await sub.ReadReplyAsync());
            Assert.Equal($"*4\r\n{Bulk("pmessage")}{Bulk("chan-*")}{Bulk(channel)}{Bulk("m-" + channel)}", await psub.ReadReplyAsync());
        }
        // Each channel is subscribed on exactly one server, and they are spread; the pattern on all three.
        var perServer = new List<string[]>();
        foreach (var server in new[] { b1, b2, b3 })
        {
            using var direct = new RespConnection(server.Port);
            var list = await direct.CallAsync("PUBSUB", "CHANNELS");
            perServer.Add([.. channels.Where(c => list.Contains(Bulk(c), StringComparison.Ordinal))]);
            Assert.Equal(":1\r\n", await direct.CallAsync("PUBSUB", "NUMPAT"));
        }
        Assert.Equal(channels.Length, perServer.Sum(p => p.Length));
        Assert.Equal(channels.Order(), perServer.SelectMany(p => p).Order());
        Assert.True(perServer.Count(p => p.Length > 0) >= 2, "channels spread over the servers");
        // PUBSUB through the proxy: the servers' answers merged.
        var all = await pub.CallAsync("PUBSUB", "CHANNELS", "chan-*");
        Assert.StartsWith($"*{channels.Length}\r\n", all);
        Assert.All(channels, c => Assert.Contains(Bulk(c), all));
        Assert.Equal($"*4\r\n{Bulk("chan-1")}:1\r\n{Bulk("none")}:0\r\n", await pub.CallAsync("PUBSUB", "NUMSUB", "chan-1", "none"));
        Assert.Equal(":1\r\n", await pub.CallAsync("PUBSUB", "NUMPAT"));
        Assert.Equal("-ERR wrong number of arguments for 'pubsub|numpat' command\r\n", await pub.CallAsync("PUBSUB", "NUMPAT", "x"));
        Assert.StartsWith("-ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.", await pub.CallAsync("PUBSUB", "NOPE"));
    }

    [Fact]
    public async Task FanOut_OneUpstreamSubscriptionPerWorker_EveryClientGetsEveryMessageInOrder()
    {
        using var server = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([server.Port]);
        const int subscribers = 60;
        const int messages = 200;
        var subs = new List<RespConnection>();
        try
        {
            for (var i = 0; i < subscribers; i++)
            {
                var c = new RespConnection(proxy.Port);
                subs.Add(c);
                Assert.Equal($"*3\r\n{Bulk("subscribe")}{Bulk("fan")}:1\r\n", await c.CallAsync("SUBSCRIBE", "fan"));
            }
            using var direct = new RespConnection(server.Port);
            var numsub = await direct.CallAsync("PUBSUB", "NUMSUB", "fan");
            var upstream = int.Parse(numsub.Split("\r\n")[3][1..]);
            Assert.InRange(upstream, 1, Environment.ProcessorCount); // one per worker with subscribers, not one per client
            using var pub = new RespConnection(proxy.Port);
            await pub.SendAsync([.. Enumerable.Range(0, messages).SelectMany(i => RespConnection.Encode("PUBLISH", "fan", $"m{i}"))]);
            for (var i = 0; i < messages; i++)
            {
                Assert.Equal($":{upstream}\r\n", await pub.ReadReplyAsync());
            }
            foreach (var c in subs)
            {
                for (var i = 0; i < messages; i++)
                {
                    Assert.Equal(Message("fan", $"m{i}"), await c.ReadReplyAsync());
                }
            }
        }
        finally
        {
            subs.ForEach(c => c.Dispose());
        }
        // The last client gone, the worker unsubscribes upstream.
        using var check = new RespConnection(server.Port);
        Assert.True(await Poll.EventuallyAsync(async () => await check.CallAsync("PUBSUB", "NUMSUB", "fan") == $"*2\r\n{Bulk("fan")}:0\r\n"),
            "the upstream subscription ended with its last client");
    }

    [Fact]
    public async Task SubscribeConfirmed_OnlyOnceTheServerHasIt_APublishRightAfterIsReceived()
    {
        using var server = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([server.Port]);
        using var direct = new RespConnection(server.Port);
        using var sub = new RespConnection(proxy.Port);
        for (var i = 0; i < 50; i++)
        {
            var channel = $"fresh-{i}";
            Assert.Equal($"*3\r\n{Bulk("subscribe")}{Bulk(channel)}:{i + 1}\r\n", await sub.CallAsync("SUBSCRIBE", channel));
            // Straight to the server, not through the proxy: the subscription must already be there.
            Assert.Equal(":1\r\n", await direct.CallAsync("PUBLISH", channel, "first"));
            Assert.Equal(Message(channel, "first"), await sub.ReadReplyAsync());
        }
    }

    [Fact]
    public async Task ServerRestart_SubscriptionsRestoredWhenItReturns_SubscribeWhileDownIsAnswered()
    {
        var port = FreePort.Next();
        var server = StartOnPort(port);
        try
        {
            await using var proxy = await TestProxy.StartRedisAsync([port]);
            using var sub = new RespConnection(proxy.Port);
            using var pub = new RespConnection(proxy.Port);
            Assert.Equal($"*3\r\n{Bulk("subscribe")}{Bulk("alive")}:1\r\n", await sub.CallAsync("SUBSCRIBE", "alive"));
            Assert.Equal(":1\r\n", await pub.CallAsync("PUBLISH", "alive", "before"));
            Assert.Equal(Message("alive", "before"), await sub.ReadReplyAsync());

            server.Dispose();
            // Down: a SUBSCRIBE is answered anyway (never hangs) and restored with the rest.
            Assert.Equal($"*3\r\n{Bulk("subscribe")}{Bulk("later")}:2\r\n", await sub.CallAsync("SUBSCRIBE", "later"));
            server = StartOnPort(port);
            Assert.True(await Poll.EventuallyAsync(async () => await pub.CallAsync("PUBLISH", "alive", "after") == ":1\r\n"),
                "the subscription was restored on the restarted server");
            Assert.Equal(Message("alive", "after"), await sub.ReadReplyAsync());
            Assert.True(await Poll.EventuallyAsync(async () => await pub.CallAsync("PUBLISH", "later", "l1") == ":1\r\n"), "the SUBSCRIBE made while down took effect");
            Assert.Equal(Message("later", "l1"), await sub.ReadReplyAsync());
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task Reload_ServersAddedAndRemoved_EveryChannelMovesToItsNewServer_ClientsStaySubscribed()
    {
        using var s1 = RedisServer.Start();
        using var s2 = RedisServer.Start();
        using var s3 = RedisServer.Start();
        var port = FreePort.Next();
        static string Yaml(int port, params ExternalProcess[] servers)
            => $"pool:\n  listen: 127.0.0.1:{port}\n  redis: true\n  hash: fnv1a_64\n  distribution: ketama\n  servers:\n"
                + string.Concat(servers.Select(s => $"    - 127.0.0.1:{s.Port}:1 r{s.Port}\n"));
        var path = Path.Combine(Path.GetTempPath(), $"pubsub-reload-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, Yaml(port, s1, s2));
        try
        {
            await using var proxy = await TestProxy.StartAsync(File.ReadAllText(path), port);
            await using var reloader = new ConfigReloader(proxy.Host, () => ConfigLoader.LoadFile(path), [path], NullLogger.Instance);
            using var sub = new RespConnection(port);
            using var pub = new RespConnection(port);
            var channels = Enumerable.Range(0, 24).Select(i => $"moving-{i}").ToArray();
            await sub.SendAsync(RespConnection.Encode(["SUBSCRIBE", .. channels]));
            for (var i = 0; i < channels.Length; i++)
            {
                Assert.Equal($"*3\r\n{Bulk("subscribe")}{Bulk(channels[i])}:{i + 1}\r\n", await sub.ReadReplyAsync());
            }
            async Task EveryChannelHeardAsync(string round)
            {
                foreach (var channel in channels)
                {
                    // Messages published while a channel moves are lost (as for a client of the
                    // server); once PUBLISH counts a receiver, the message reaches the subscriber.
                    Assert.True(await Poll.EventuallyAsync(async () => await pub.CallAsync("PUBLISH", channel, round) == ":1\r\n"), $"{channel} subscribed after {round}");
                    Assert.Equal(Message(channel, round), await sub.ReadReplyAsync());
                }
            }
            await EveryChannelHeardAsync("start");
            foreach (var (round, servers) in new[] { ("added", new[] { s1, s2, s3 }), ("removed", new[] { s2, s3 }) })
            {
                File.WriteAllText(path, Yaml(port, servers));
                Assert.True(await reloader.ReloadAsync("test"));
                await EveryChannelHeardAsync(round);
            }
            // Nothing is left on the removed server, and each channel is subscribed once.
            using var removed = new RespConnection(s1.Port);
            Assert.True(await Poll.EventuallyAsync(async () => await removed.CallAsync("PUBSUB", "CHANNELS") == "*0\r\n"), "the removed server has no subscription left");
            Assert.Equal($"*{channels.Length}\r\n", (await pub.CallAsync("PUBSUB", "CHANNELS", "moving-*"))[..5]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task SubscriberThatNeverReads_DisconnectedAtClientOutputLimit_OthersGetEverything()
    {
        using var server = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([server.Port], "client_output_limit: 1048576");
        using var fast = new RespConnection(proxy.Port);
        using var pub = new RespConnection(proxy.Port);
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await slow.ConnectAsync(new IPEndPoint(IPAddress.Loopback, proxy.Port));
        await slow.SendAsync(RespConnection.Encode("SUBSCRIBE", "flood"));
        var confirmation = $"*3\r\n{Bulk("subscribe")}{Bulk("flood")}:1\r\n";
        var got = new byte[confirmation.Length];
        for (var at = 0; at < got.Length;)
        {
            at += await slow.ReceiveAsync(got.AsMemory(at));
        }
        Assert.Equal(confirmation, Encoding.ASCII.GetString(got));
        Assert.Equal(confirmation, await fast.CallAsync("SUBSCRIBE", "flood"));

        var payload = new string('p', 100_000);
        const int messages = 100; // 10 MB: far past the slow client's 1 MiB limit and the kernel's buffers
        for (var i = 0; i < messages; i++)
        {
            Assert.StartsWith(":", await pub.CallAsync("PUBLISH", "flood", payload)); // one per worker with subscribers
            Assert.Equal(Message("flood", payload), await fast.ReadReplyAsync());
        }
        // The slow one was closed: what the kernel held, then the end of the stream.
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        long received = 0;
        while (true)
        {
            var n = 0;
            try
            {
                n = await slow.ReceiveAsync(buffer, cts.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
            }
            if (n == 0)
            {
                break;
            }
            received += n;
        }
        Assert.InRange(received, 1, (long)messages * payload.Length / 2);
        Assert.StartsWith(":", await pub.CallAsync("PUBLISH", "flood", "still"));
        Assert.Equal(Message("flood", "still"), await fast.ReadReplyAsync());
    }

    private static ExternalProcess StartOnPort(int port) => ExternalProcess.Start("redis-server",
        ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning"], port);
}
