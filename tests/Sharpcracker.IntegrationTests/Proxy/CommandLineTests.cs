using System.Diagnostics;

namespace Sharpcracker.IntegrationTests.Proxy;

/// <summary>The sharpcracker executable itself, run as a separate process with nutcracker's flags.</summary>
public sealed class CommandLineTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var p = Process.Start(SharpcrackerExecutable.StartInfo(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(30000), "sharpcracker did not exit");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Version_PrintsVersionAndExitsZero()
    {
        var (exit, stdout, _) = Run("-V");
        Assert.Equal(0, exit);
        Assert.Matches(@"^This is sharpcracker-\d+\.\d+\.\d+\n$", stdout);
        Assert.Equal(stdout, Run("--version").Out);
    }

    [Fact]
    public void DescribeStats_UsesNutcrackerLayout()
    {
        var (exit, stdout, _) = Run("-D");
        Assert.Equal(0, exit);
        Assert.Contains("pool stats:\n  client_eof          \"# eof on client connections\"\n", stdout);
        Assert.Contains("server stats:\n  server_eof          \"# eof on server connections\"\n", stdout);
    }

    [Fact]
    public void Threads_InHelpAndDescribeStats()
    {
        Assert.Contains("--threads=N", Run("--help").Out);
        var (exit, stdout, _) = Run("-D", "--threads", "3");
        Assert.Equal(0, exit);
        Assert.Contains("workers: 3 (", stdout);
        Assert.Contains($"workers: {Environment.ProcessorCount} (", Run("-D").Out);
        Assert.NotEqual(0, Run("--threads", "0").Exit);
    }

    [Fact]
    public async Task Threads_SetsTheWorkerCount_ShownInStats_ServerConnectionsPerWorker()
    {
        using var memcached = ExternalProcess.StartMemcached();
        var metricsPort = FreePort.Next();
        using var proxy = TestProxy.StartMemcachedProcess([memcached.Port], "", "--threads", "3", "--metrics-port", metricsPort.ToString());
        var clients = Enumerable.Range(0, 3).Select(_ => new McConnection(proxy.Port)).ToList();
        try
        {
            foreach (var client in clients)
            {
                Assert.Equal("STORED\r\n", await client.RoundTripAsync("set t 0 0 1\r\nx\r\n", "STORED\r\n"));
            }
            await clients[0].SendAsync("stats\r\n");
            var stats = new List<string>();
            for (var line = await clients[0].ReadLineAsync(); line != "END"; line = await clients[0].ReadLineAsync())
            {
                stats.Add(line);
            }
            Assert.Contains("STAT threads 3", stats);
            // Three clients on three workers: one connection to the server from each worker.
            Assert.Contains("STAT server_0_server_connections 3", stats);
            using var http = new HttpClient();
            // The metrics listener may come up after the pool's: poll until it answers.
            var metrics = await Poll.UntilAsync(async () =>
            {
                try
                {
                    return await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(10), "the metrics port did not answer");
            Assert.Contains("\nsharpcracker_workers 3\n", metrics);
            // One client per worker (the acceptor's least-loaded choice), each forwarded its set.
            for (var w = 0; w < 3; w++)
            {
                Assert.Contains($"\nsharpcracker_worker_clients{{worker=\"{w}\"}} 1\n", metrics);
                Assert.Contains($"\nsharpcracker_worker_requests_total{{worker=\"{w}\"}} 1\n", metrics);
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void TestConf_ValidAndInvalid()
    {
        var good = Path.GetTempFileName();
        var bad = Path.GetTempFileName();
        try
        {
            File.WriteAllText(good, "alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:11211:1\n");
            File.WriteAllText(bad, "alpha:\n  listen: 127.0.0.1:22121\n  hash: sha1\n  servers:\n    - 127.0.0.1:11211:1\n");
            var ok = Run("-t", "-c", good);
            Assert.Equal(0, ok.Exit);
            Assert.Contains($"configuration file '{good}' syntax is ok", ok.Err);

            var invalid = Run("--test-conf", "--conf-file=" + bad);
            Assert.Equal(1, invalid.Exit);
            Assert.Contains($"'{bad}'", invalid.Err);
            Assert.Contains("pool 'alpha'", invalid.Err);
            Assert.Contains("\"hash\"", invalid.Err);
            Assert.Contains("is not a valid hash: 'sha1'", invalid.Err);
            Assert.Contains("syntax is invalid", invalid.Err);

            // Without -t an invalid config refuses to start, with the same explanation.
            var start = Run("-c", bad);
            Assert.Equal(1, start.Exit);
            Assert.Contains("is not a valid hash", start.Err);
        }
        finally
        {
            File.Delete(good);
            File.Delete(bad);
        }
    }

    [Fact]
    public void RedisPool_IsValidForTestConf()
    {
        var conf = Path.GetTempFileName();
        try
        {
            File.WriteAllText(conf, "r:\n  listen: 127.0.0.1:22121\n  redis: true\n  servers:\n    - 127.0.0.1:6379:1\n");
            Assert.Equal(0, Run("-t", "-c", conf).Exit);
        }
        finally
        {
            File.Delete(conf);
        }
    }

    [Fact]
    public void UnknownFlag_FailsWithUsage()
    {
        var (exit, _, stderr) = Run("--no-such-flag");
        Assert.Equal(1, exit);
        Assert.Contains("Usage: sharpcracker", stderr);
    }

    [Fact]
    public async Task RealProcess_ServesTrafficWritesPidFileAndStopsOnSigterm()
    {
        using var server = ExternalProcess.StartMemcached();
        var dir = Directory.CreateTempSubdirectory("sc-cli");
        var pid = Path.Combine(dir.FullName, "sc.pid");
        try
        {
            using var proxy = TestProxy.StartMemcachedProcess([server.Port], "", "-v", "4", "-p", pid);
            using (var client = new McConnection(proxy.Port))
            {
                Assert.Equal("STORED\r\n", await client.RoundTripAsync("set cli 0 0 2\r\nok\r\n", "STORED\r\n"));
            }
            Assert.Equal(proxy.Pid.ToString(), File.ReadAllText(pid).Trim());
            proxy.Signal("TERM");
            Assert.True(proxy.Process.WaitForExit(20000), "sharpcracker did not stop on SIGTERM");
            Assert.Equal(0, proxy.Process.ExitCode);
            Assert.False(File.Exists(pid), "pid file is removed at exit");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
