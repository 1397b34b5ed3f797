using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.FanOut;

/// <summary>
/// Pub/sub fan-out through a Redis endpoint (issue 28's figure): N subscribers on one channel,
/// one publisher sending M messages at R per second whose payload carries its send timestamp.
/// Prints the backend subscriptions (PUBSUB NUMSUB on the servers behind), messages delivered per
/// second, delivery latency p50/p99/max, and the proxy's memory per subscriber (its RSS before and
/// after the subscribers connected). Bounded: every wait has a deadline.
/// Usage: sharpcracker-fanout --port P [--subscribers N] [--messages M] [--rate R] [--size B]
///        [--proxy-pid PID] [--server-port S]…
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        FanOutOptions o;
        try
        {
            o = FanOutOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        var rssBefore = Rss(o.ProxyPid);
        var latencies = new LatencyBuckets();
        var subscribers = Enumerable.Range(0, o.Subscribers).Select(i => new Subscriber(i, latencies)).ToArray();
        using var stop = new CancellationTokenSource();
        var loops = new List<Task>();
        foreach (var batch in subscribers.Chunk(200))
        {
            await Task.WhenAll(batch.Select(s => s.ConnectAndSubscribeAsync(o.Port, o.Channel)));
            loops.AddRange(batch.Select(s => Task.Run(() => s.ReadLoopAsync(stop.Token))));
        }
        if (!await UntilAsync(() => subscribers.All(s => s.Subscribed || s.Error is not null), TimeSpan.FromSeconds(60)))
        {
            Console.Error.WriteLine($"only {subscribers.Count(s => s.Subscribed)} of {o.Subscribers} subscribed within 60 s");
            return 1;
        }
        await Task.Delay(500); // let the proxy settle before its RSS is read
        var rssAfter = Rss(o.ProxyPid);
        long backendSubscriptions = 0;
        foreach (var port in o.ServerPorts)
        {
            backendSubscriptions += await NumSubAsync(port, o.Channel);
        }
        using var publisher = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await publisher.ConnectAsync(System.Net.IPAddress.Loopback, o.Port);
        var started = Stopwatch.GetTimestamp();
        var interval = Stopwatch.Frequency / Math.Max(1, o.Rate);
        var receiversSeen = new List<string>();
        var replyBuffer = new byte[4096];
        for (var m = 0; m < o.Messages; m++)
        {
            var due = started + m * interval;
            while (Stopwatch.GetTimestamp() < due)
            {
                await Task.Delay(1);
            }
            var payload = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture).PadRight(o.PayloadSize, 'x');
            await publisher.SendAsync(Encoding.ASCII.GetBytes($"*3\r\n$7\r\nPUBLISH\r\n${o.Channel.Length}\r\n{o.Channel}\r\n${payload.Length}\r\n{payload}\r\n"));
            var n = await publisher.ReceiveAsync(replyBuffer);
            receiversSeen.Add(Encoding.ASCII.GetString(replyBuffer, 0, n).Trim());
        }
        var expected = (long)o.Subscribers * o.Messages;
        var delivered = await UntilAsync(() => subscribers.Sum(s => s.Messages) >= expected || subscribers.Any(s => s.Error is not null), TimeSpan.FromSeconds(60));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var got = subscribers.Sum(s => s.Messages);
        stop.Cancel();
        foreach (var s in subscribers)
        {
            s.Close();
        }
        var errors = subscribers.Where(s => s.Error is not null).Select(s => s.Error).Distinct().Take(3).ToList();
        Console.WriteLine($"subscribers={o.Subscribers} messages={o.Messages} rate={o.Rate}/s size={o.PayloadSize}");
        Console.WriteLine($"backend_subscriptions={(o.ServerPorts.Count > 0 ? backendSubscriptions : -1)} publish_replies={string.Join(',', receiversSeen.Distinct().Take(3))}");
        Console.WriteLine($"delivered={got}/{expected} in {elapsed:F2}s ({got / elapsed:F0}/s) complete={delivered && got == expected}");
        Console.WriteLine(FormattableString.Invariant($"latency_ms p50={latencies.QuantileMs(0.5):F2} p99={latencies.QuantileMs(0.99):F2} max={latencies.QuantileMs(1):F2}"));
        if (rssBefore > 0)
        {
            Console.WriteLine($"proxy_rss_kib before={rssBefore} subscribed={rssAfter} per_subscriber_kib={(double)(rssAfter - rssBefore) / o.Subscribers:F2}");
        }
        if (errors.Count > 0)
        {
            Console.WriteLine("errors: " + string.Join(" | ", errors));
        }
        return got == expected && errors.Count == 0 ? 0 : 1;
    }

    private static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan within)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(within.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }

    /// <summary>VmRSS of a process in KiB; 0 when not asked for.</summary>
    private static long Rss(int? pid)
    {
        if (pid is null)
        {
            return 0;
        }
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static async Task<long> NumSubAsync(int port, string channel)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(System.Net.IPAddress.Loopback, port);
        await s.SendAsync(Encoding.ASCII.GetBytes($"*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n${channel.Length}\r\n{channel}\r\n"));
        var buffer = new byte[1024];
        var n = await s.ReceiveAsync(buffer);
        var text = Encoding.ASCII.GetString(buffer, 0, n);
        var colon = text.LastIndexOf(':');
        return long.Parse(text[(colon + 1)..].Trim(), CultureInfo.InvariantCulture);
    }
}
