using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Operations;

/// <summary>
/// The status page in a real headless browser (Debian's chromium, installed by scripts/install-deps)
/// against a proxy with a memcached and a Redis pool over real servers: what the page shows after
/// its first refreshes, after a server is stopped, and screenshots (wide and narrow) kept in
/// artifacts/console/ for a person to look at.
/// </summary>
public sealed partial class ConsolePageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task StatusPage_InHeadlessChromium_ShowsServersAndTheirStates()
    {
        var m1 = ExternalProcess.StartMemcached();
        var m2 = ExternalProcess.StartMemcached();
        using var r1 = RedisServer.Start();
        var (alphaPort, betaPort) = (FreePort.Next(), FreePort.Next());
        var yaml = $"""
            alpha:
              listen: 127.0.0.1:{alphaPort}
              auto_eject_hosts: true
              server_failure_limit: 1
              server_retry_timeout: 600000
              timeout: 2000
              servers:
                - 127.0.0.1:{m1.Port}:1 m1
                - 127.0.0.1:{m2.Port}:1 m2
            beta:
              listen: 127.0.0.1:{betaPort}
              redis: true
              timeout: 2000
              servers:
                - 127.0.0.1:{r1.Port}:1 r1

            """;
        using var traffic = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        Task? load = null;
        try
        {
            using var proxy = TestProxy.StartProcess(yaml, null, metrics: true);
            proxy.WaitListening(proxy.MetricsPort);
            proxy.WaitListening(alphaPort);
            proxy.WaitListening(betaPort);
            var page = $"http://127.0.0.1:{proxy.MetricsPort}/";
            // Steady light traffic on both pools (bounded in time), so the page has rates and latencies to draw.
            load = Task.Run(() => TrafficAsync(alphaPort, betaPort, traffic.Token));

            var dom = await ChromiumAsync("--dump-dom", page);
            Assert.True(Refreshes(dom) >= 2, "the page never refreshed twice: " + dom[..Math.Min(dom.Length, 2000)]);
            Assert.Equal("up", StateShown(dom, "m1"));
            Assert.Equal("up", StateShown(dom, "m2"));
            Assert.Equal("up", StateShown(dom, "r1"));
            Assert.Contains("data-pool=\"alpha\"", dom);
            Assert.Contains("data-pool=\"beta\"", dom);
            Assert.Contains("1 shared engine", dom);
            Assert.Matches(@"data-class=""retrieval""", dom);

            // Stop m2; a request for one of its keys (from the traffic, or this get) fails and ejects it.
            var onM2 = await KeyOnAsync(proxy.MetricsPort, "m2");
            m2.Dispose();
            using (var c = new McConnection(alphaPort))
            {
                await c.SendAsync($"get {onM2}\r\n");
                var reply = await c.ReadLineAsync(); // SERVER_ERROR, or END when the traffic has ejected m2 already
                Assert.True(reply == "END" || reply.StartsWith("SERVER_ERROR", StringComparison.Ordinal), reply);
            }
            await ConsoleKit.WaitStateAsync(proxy.MetricsPort, "alpha", "m2", "ejected");

            dom = await ChromiumAsync("--dump-dom", page);
            Assert.Equal("ejected", StateShown(dom, "m2"));
            Assert.Equal("up", StateShown(dom, "m1"));
            Assert.Contains("pool alpha server m2 ejected", dom);

            var dir = Path.Combine(ConsoleKit.RepositoryRoot(), "artifacts", "console");
            Directory.CreateDirectory(dir);
            foreach (var (name, width, height) in new[] { ("status-wide.png", 1280, 1000), ("status-narrow.png", 420, 1800) })
            {
                var file = Path.Combine(dir, name);
                File.Delete(file);
                await ChromiumAsync($"--screenshot={file}", $"--window-size={width},{height}", page);
                var png = File.ReadAllBytes(file);
                Assert.True(png.Length > 20_000, $"{name}: {png.Length} bytes");
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
                Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
                Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
                output.WriteLine($"screenshot: {file}");
            }
        }
        finally
        {
            traffic.Cancel();
            if (load is not null)
            {
                await load;
            }
            m1.Dispose();
            m2.Dispose();
        }
    }

    private static int Refreshes(string dom) => RefreshesAttribute().Match(dom) is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;

    /// <summary>The state the page shows in the row of <paramref name="server"/> (its data-state, checked against the badge text).</summary>
    private static string StateShown(string dom, string server)
    {
        var row = Regex.Match(dom, $"<tr data-server=\"{server}\" data-state=\"([a-z ]+)\">(.*?)</tr>");
        Assert.True(row.Success, $"no row for {server}");
        Assert.Contains($">{row.Groups[1].Value}</span>", row.Groups[2].Value);
        return row.Groups[1].Value;
    }

    private static async Task<string> KeyOnAsync(int metricsPort, string server)
    {
        for (var i = 0; i < 1000; i++)
        {
            var answer = await ConsoleKit.JsonAsync(metricsPort, $"/route?pool=alpha&key=page{i}");
            if (answer.GetProperty("server").GetProperty("name").GetString() == server)
            {
                return $"page{i}";
            }
        }
        throw new InvalidOperationException($"no key of 1000 maps to {server}");
    }

    /// <summary>Sets and gets on both pools until cancelled; failures (the stopped server) are expected and ignored.</summary>
    private static async Task TrafficAsync(int alphaPort, int betaPort, CancellationToken stop)
    {
        using var mc = new McConnection(alphaPort);
        using var redis = new RespConnection(betaPort);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            try
            {
                await mc.SendAsync($"set t{i % 50} 0 0 2\r\nok\r\nget t{(i + 7) % 50}\r\n");
                await mc.ReadLineAsync(); // STORED, or SERVER_ERROR once m2 is stopped
                string line;
                do
                {
                    line = await mc.ReadLineAsync(); // VALUE, data, END — or one SERVER_ERROR
                }
                while (line != "END" && !line.StartsWith("SERVER_ERROR", StringComparison.Ordinal));
                await redis.CallAsync("SET", $"t{i % 50}", "ok");
                await redis.CallAsync("GET", $"t{i % 50}");
                await Task.Delay(5, stop); // pacing: a light, steady load for the charts, not a benchmark
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.Sockets.SocketException)
            {
                return;
            }
        }
    }

    /// <summary>Headless chromium on <paramref name="args"/> with a virtual-time budget (the page's timers run, network waits pause them); bounded.</summary>
    private static async Task<string> ChromiumAsync(params string[] args)
    {
        var profile = Directory.CreateTempSubdirectory("sc-chromium");
        try
        {
            var info = new ProcessStartInfo(InstalledProgram.Find("chromium"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                "--disable-extensions", "--disable-background-networking", $"--user-data-dir={profile.FullName}", "--virtual-time-budget=4000" }.Concat(args))
            {
                info.ArgumentList.Add(a);
            }
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("chromium did not finish within 90 s: " + await stderr);
            }
            // Helper processes could hold the pipes open after the browser exits: bound the reads too.
            var errors = await stderr.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {errors}");
            return await stdout.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"data-refreshes=""(\d+)""")]
    private static partial Regex RefreshesAttribute();
}
