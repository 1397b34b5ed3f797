using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.IntegrationTests.Proxy;

/// <summary>Running out of file descriptors must not spin the acceptor or flood the log.</summary>
public sealed class ResourceLimitTests
{
    [Fact]
    public async Task OutOfDescriptors_AcceptPausesAndLogsOncePerPause_ServesAgainWhenDescriptorsFree()
    {
        if (!File.Exists("/usr/bin/prlimit"))
        {
            Assert.Fail("prlimit (util-linux) is required");
        }
        using var memcached = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        using var proxy = TestProxy.StartProcessUnder(["/usr/bin/prlimit", "--nofile=200:200"],
            $"a:\n  listen: 127.0.0.1:{port}\n  preconnect: true\n  servers:\n    - 127.0.0.1:{memcached.Port}:1\n", port, "--threads", "1");
        var clients = new List<Socket>();
        try
        {
            using (var first = new McConnection(port))
            {
                Assert.Equal("END\r\n", await first.RoundTripAsync("get x\r\n", "END\r\n"));
            }
            using var working = new McConnection(port);
            Assert.Equal("END\r\n", await working.RoundTripAsync("get x\r\n", "END\r\n"));
            // More connections than the proxy has descriptors left: the kernel queues them.
            for (var i = 0; i < 250; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Connect("127.0.0.1", port);
                clients.Add(s);
            }
            string[] Failures() => proxy.Log.Split('\n').Where(l => l.Contains("accept failed")).ToArray();
            // Two pauses logged: the listener paused, resumed on its own and hit the limit again.
            await Poll.UntilAsync(() => Task.FromResult(Failures().Length >= 2 ? "paused twice" : null),
                TimeSpan.FromSeconds(10), "the proxy should run out of descriptors, pause and try again");
            // A client accepted before keeps being served while accepts are paused.
            Assert.Equal("END\r\n", await working.RoundTripAsync("get y\r\n", "END\r\n"));
            // One line per pause, never one per failed accept (a spinning acceptor logs without pausing).
            Assert.All(Failures(), l => Assert.Contains("pausing accepts for 100 ms", l));
            // Descriptors come back: queued clients are accepted and served.
            foreach (var s in clients)
            {
                s.Dispose();
            }
            clients.Clear();
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    using var late = new McConnection(port);
                    return await late.RoundTripAsync("get z\r\n", "END\r\n").WaitAsync(TimeSpan.FromSeconds(2)) == "END\r\n" ? "served" : null;
                }
                catch (Exception e) when (e is SocketException or TimeoutException or IOException)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(20), "a new client is served once descriptors are free");
        }
        finally
        {
            clients.ForEach(s => s.Dispose());
        }
    }
}
