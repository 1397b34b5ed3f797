using System.Diagnostics;

namespace Sharpcracker.IntegrationTests.Operations;

/// <summary>Signals, log file, pid file and -d against the real executable.</summary>
public sealed class ProcessControlTests
{
    private static string OnePool(int port, int backend) => $"""
        alpha:
          listen: 127.0.0.1:{port}
          servers:
            - 127.0.0.1:{backend}:1 s0

        """;

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));

    [Fact]
    public async Task SigttinAndSigttou_ChangeTheLogLevelAtRunTime()
    {
        using var backend = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var dir = Directory.CreateTempSubdirectory("sc-log");
        var log = Path.Combine(dir.FullName, "sc.log");
        try
        {
            // -v 6 is Information: the stats port's per-connection Debug line is not written.
            using var proxy = TestProxy.StartProcess(OnePool(port, backend.Port), null, metrics: false, "-v", "6", "-o", log);
            proxy.WaitListening(proxy.StatsPort);
            const string served = "stats: served";
            await TestProxy.ReadStatsAsync(proxy.StatsPort);

            proxy.Signal("TTIN");
            Assert.True(await Poll.EventuallyAsync(() => ReadShared(log).Contains("log level raised to 7 (Debug)")), ReadShared(log));
            // nutcracker's line for each signal, by number and name.
            Assert.Contains("signal 21 (SIGTTIN) received, up logging level", ReadShared(log));
            proxy.Signal("USR1");
            Assert.True(await Poll.EventuallyAsync(() => ReadShared(log).Contains("signal 10 (SIGUSR1) received")), ReadShared(log));
            await TestProxy.ReadStatsAsync(proxy.StatsPort);
            Assert.True(await Poll.EventuallyAsync(() => Count(ReadShared(log), served) == 1), ReadShared(log));

            proxy.Signal("TTOU");
            Assert.True(await Poll.EventuallyAsync(() => ReadShared(log).Contains("log level lowered to 6 (Information)")), ReadShared(log));
            Assert.Contains("signal 22 (SIGTTOU) received, down logging level", ReadShared(log));
            await TestProxy.ReadStatsAsync(proxy.StatsPort);
            // Log lines are written in order: once the next level change is logged, a Debug line
            // for the connection above would already be in the file.
            proxy.Signal("TTOU");
            Assert.True(await Poll.EventuallyAsync(() => ReadShared(log).Contains("log level lowered to 5 (Information)")), ReadShared(log));
            var text = ReadShared(log);
            Assert.Equal(1, Count(text, served));
            // Every line carries a timestamp.
            Assert.All(text.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ", l));
            Assert.False(proxy.Process.HasExited, "the signals must not stop the process");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task UnderNohup_SighupStillReachesTheProxy_AsNutcrackersDoes()
    {
        // nohup starts the proxy with SIGHUP ignored; nutcracker's handler replaces that, so the
        // operator's `kill -HUP` after `nohup nutcracker … &` reloads and reopens the log.
        using var backend = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var dir = Directory.CreateTempSubdirectory("sc-nohup");
        var log = Path.Combine(dir.FullName, "sc.log");
        try
        {
            using var proxy = TestProxy.StartProcessUnder(["nohup"], OnePool(port, backend.Port), port, "-o", log);
            var ignored = ulong.Parse(File.ReadLines($"/proc/{proxy.Pid}/status").Single(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))[7..].Trim(),
                System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True((ignored & 1) == 0, $"SIGHUP still ignored (SigIgn {ignored:x})");
            proxy.Signal("HUP");
            Assert.True(await Poll.EventuallyAsync(() => File.Exists(log) && ReadShared(log).Contains("signal 1 (SIGHUP) received")), "SIGHUP did not reach the proxy under nohup");
            Assert.False(proxy.Process.HasExited, "SIGHUP must not stop the process");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Sighup_ReopensTheLogFile()
    {
        using var backend = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var dir = Directory.CreateTempSubdirectory("sc-hup");
        var log = Path.Combine(dir.FullName, "sc.log");
        var rotated = log + ".1";
        try
        {
            using var proxy = TestProxy.StartProcess(OnePool(port, backend.Port), null, metrics: false, "-v", "7", "-o", log);
            // Not WaitListening: a probe connection would be logged as served too.
            Assert.True(await Poll.EventuallyAsync(() => File.Exists(log) && ReadShared(log).Contains("stats: listening")), proxy.Log);
            await TestProxy.ReadStatsAsync(proxy.StatsPort);
            Assert.True(await Poll.EventuallyAsync(() => Count(ReadShared(log), "stats: served") == 1), ReadShared(log));

            File.Move(log, rotated); // what logrotate does before signalling
            await TestProxy.ReadStatsAsync(proxy.StatsPort);
            Assert.True(await Poll.EventuallyAsync(() => Count(ReadShared(rotated), "stats: served") == 2), "before SIGHUP lines still go to the renamed file");

            proxy.Signal("HUP");
            Assert.True(await Poll.EventuallyAsync(() => File.Exists(log) && ReadShared(log).Contains("reopened log file")), "SIGHUP creates the file again");
            Assert.True(await Poll.EventuallyAsync(() => ReadShared(rotated).Contains("signal 1 (SIGHUP) received, reopening log file")
                || ReadShared(log).Contains("signal 1 (SIGHUP) received, reopening log file")), "SIGHUP is logged by number and name");
            await TestProxy.ReadStatsAsync(proxy.StatsPort);
            Assert.True(await Poll.EventuallyAsync(() => Count(ReadShared(log), "stats: served") == 1), ReadShared(log));
            Assert.Equal(2, Count(ReadShared(rotated), "stats: served"));
            Assert.False(proxy.Process.HasExited, "SIGHUP must not stop the process");

            // The proxy still serves.
            using var client = new McConnection(port);
            Assert.Equal("STORED\r\n", await client.RoundTripAsync("set hup 0 0 1\r\nx\r\n", "STORED\r\n"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PidFile_AppearsWhileRunningAndDisappearsAtExit()
    {
        using var backend = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var dir = Directory.CreateTempSubdirectory("sc-pid");
        var pid = Path.Combine(dir.FullName, "run", "sc.pid");
        Directory.CreateDirectory(Path.GetDirectoryName(pid)!);
        try
        {
            using var proxy = TestProxy.StartProcess(OnePool(port, backend.Port), null, metrics: false, "-p", pid);
            proxy.WaitListening(port);
            Assert.Equal(proxy.Pid.ToString(), File.ReadAllText(pid).Trim());
            proxy.Signal("INT");
            Assert.True(proxy.Process.WaitForExit(30000), "sharpcracker did not stop on SIGINT");
            Assert.False(File.Exists(pid), "pid file is removed at exit");
            Assert.True(await Poll.EventuallyAsync(() => proxy.Log.Contains("signal 2 (SIGINT) received, exiting")), proxy.Log);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Daemonize_ReturnsOnceListeningAndTheDetachedDaemonServes()
    {
        using var backend = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var statsPort = FreePort.Next();
        var dir = Directory.CreateTempSubdirectory("sc-daemon");
        var conf = Path.Combine(dir.FullName, "nutcracker.yml");
        var pidFile = Path.Combine(dir.FullName, "sc.pid");
        File.WriteAllText(conf, OnePool(port, backend.Port));
        int? daemonPid = null;
        try
        {
            using (var parent = Process.Start(SharpcrackerExecutable.StartInfo(TestProxy.Arguments(conf, statsPort, 0).Concat(["-d", "-p", pidFile])))!)
            {
                var stdout = parent.StandardOutput.ReadToEndAsync();
                var stderr = parent.StandardError.ReadToEndAsync();
                Assert.True(parent.WaitForExit(120000), "sharpcracker -d did not return");
                Assert.True(parent.ExitCode == 0, await stderr);
                Assert.Contains("daemon started", await stdout);
            }
            // The parent returned only after the daemon listened: no waiting needed now.
            daemonPid = int.Parse(File.ReadAllText(pidFile).Trim());
            using (var client = new McConnection(port))
            {
                Assert.Equal("STORED\r\n", await client.RoundTripAsync("set d 0 0 1\r\nx\r\n", "STORED\r\n"));
            }
            Assert.Contains("\"service\":\"sharpcracker\"", await TestProxy.ReadStatsAsync(statsPort));

            // Detached: its own session (session id == pid), stdio on /dev/null.
            var stat = File.ReadAllText($"/proc/{daemonPid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            Assert.Equal(daemonPid.ToString(), fields[3]); // field 6 of /proc/PID/stat: session id
            for (var fd = 0; fd <= 2; fd++)
            {
                Assert.Equal("/dev/null", new FileInfo($"/proc/{daemonPid}/fd/{fd}").LinkTarget);
            }

            using (var kill = Process.Start("kill", ["-INT", daemonPid.ToString()!])!)
            {
                kill.WaitForExit();
            }
            Assert.True(await Poll.EventuallyAsync(() => !Directory.Exists($"/proc/{daemonPid}")), "daemon did not exit on SIGINT");
            Assert.False(File.Exists(pidFile), "pid file is removed at exit");
            daemonPid = null;
        }
        finally
        {
            if (daemonPid is { } leftover && Directory.Exists($"/proc/{leftover}"))
            {
                using var kill = Process.Start("kill", ["-KILL", leftover.ToString()])!;
                kill.WaitForExit();
            }
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Daemonize_KeepsTheTypedCommandLine_PgrepFindsIt_SighupReachesIt()
    {
        // As operators deploy a drop-in: the executable under twemproxy's name, started by a
        // relative path from its directory (bin/nutcracker is a link to the built apphost).
        using var backend = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        var statsPort = FreePort.Next();
        var dir = Directory.CreateTempSubdirectory("sc-daemon-argv");
        var name = "x" + Guid.NewGuid().ToString("N")[..8];
        int? daemonPid = null;
        try
        {
            foreach (var sub in new[] { "bin", "conf", "log" })
            {
                Directory.CreateDirectory(Path.Combine(dir.FullName, sub));
            }
            File.CreateSymbolicLink(Path.Combine(dir.FullName, "bin", "nutcracker"), Path.Combine(AppContext.BaseDirectory, "sharpcracker"));
            File.WriteAllText(Path.Combine(dir.FullName, "conf", name + ".yml"), OnePool(port, backend.Port));
            string[] typed = ["bin/nutcracker", "-d", "-c", $"conf/{name}.yml", "-o", $"log/{name}.log", "-p", $"log/{name}.pid",
                "-s", statsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-a", "127.0.0.1"];
            var shell = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.FullName };
            shell.ArgumentList.Add("-c");
            shell.ArgumentList.Add("exec " + string.Join(' ', typed));
            using (var parent = Process.Start(shell)!)
            {
                var stdout = parent.StandardOutput.ReadToEndAsync();
                var stderr = parent.StandardError.ReadToEndAsync();
                Assert.True(parent.WaitForExit(120000), "nutcracker -d did not return");
                Assert.True(parent.ExitCode == 0, await stderr);
                Assert.Contains("daemon started", await stdout);
            }
            daemonPid = int.Parse(File.ReadAllText(Path.Combine(dir.FullName, "log", name + ".pid")).Trim());

            // /proc/PID/cmdline is exactly the typed argv, argv[0] included.
            var cmdline = File.ReadAllText($"/proc/{daemonPid}/cmdline").TrimEnd('\0').Split('\0');
            Assert.Equal(typed, cmdline);

            // pgrep -f with the typed command line finds the daemon (and only it).
            var pgrep = new ProcessStartInfo("pgrep") { RedirectStandardOutput = true };
            pgrep.ArgumentList.Add("-f");
            pgrep.ArgumentList.Add($"^bin/nutcracker -d -c conf/{name}.yml");
            using (var found = Process.Start(pgrep)!)
            {
                var pids = (await found.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                await found.WaitForExitAsync();
                Assert.Equal([daemonPid.ToString()!], pids);
            }

            // SIGHUP, sent to the pid pgrep found, reaches it: the log file is reopened.
            var log = Path.Combine(dir.FullName, "log", name + ".log");
            using (var hup = Process.Start("kill", ["-HUP", daemonPid.ToString()!])!)
            {
                hup.WaitForExit();
            }
            Assert.True(await Poll.EventuallyAsync(() => File.Exists(log) && ReadShared(log).Contains("signal 1 (SIGHUP) received")), "SIGHUP did not reach the daemon");
            using (var client = new McConnection(port))
            {
                Assert.Equal("STORED\r\n", await client.RoundTripAsync("set d 0 0 1\r\nx\r\n", "STORED\r\n"));
            }

            using (var kill = Process.Start("kill", ["-INT", daemonPid.ToString()!])!)
            {
                kill.WaitForExit();
            }
            Assert.True(await Poll.EventuallyAsync(() => !Directory.Exists($"/proc/{daemonPid}")), "daemon did not exit on SIGINT");
            daemonPid = null;
        }
        finally
        {
            if (daemonPid is { } leftover && Directory.Exists($"/proc/{leftover}"))
            {
                using var kill = Process.Start("kill", ["-KILL", leftover.ToString()])!;
                kill.WaitForExit();
            }
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Daemonize_ReportsAStartFailureWithTheChildsMessage()
    {
        var dir = Directory.CreateTempSubdirectory("sc-daemon-fail");
        var conf = Path.Combine(dir.FullName, "nutcracker.yml");
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var busyPort = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;
        File.WriteAllText(conf, OnePool(busyPort, FreePort.Next()));
        try
        {
            using var parent = Process.Start(SharpcrackerExecutable.StartInfo(TestProxy.Arguments(conf, FreePort.Next(), 0).Append("-d")))!;
            var stderr = parent.StandardError.ReadToEndAsync();
            _ = parent.StandardOutput.ReadToEndAsync();
            Assert.True(parent.WaitForExit(120000), "sharpcracker -d did not return");
            Assert.NotEqual(0, parent.ExitCode);
            Assert.Contains("failed to start", await stderr);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task MetricsPort_InUse_RefusesToStart()
    {
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var busyPort = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;
        var port = FreePort.Next();
        using var proxy = TestProxy.StartProcess(OnePool(port, FreePort.Next()), null, metrics: false, "--metrics-port", busyPort.ToString());
        Assert.True(proxy.Process.WaitForExit(60000), "sharpcracker kept running without its metrics port");
        Assert.Equal(1, proxy.Process.ExitCode);
        Assert.True(await Poll.EventuallyAsync(() => proxy.Log.Contains($"metrics port {busyPort}")), proxy.Log);
    }
}
