using System.Diagnostics;
using Sharpcracker.Tests.Infrastructure;

namespace Sharpcracker.Tests.Integration;

/// <summary>The sharpcracker executable itself, run as a separate process with nutcracker's flags.</summary>
public sealed class CommandLineTests
{
    private static readonly string s_dll = Path.Combine(AppContext.BaseDirectory, "sharpcracker.dll");

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(s_dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var p = Process.Start(info)!;
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
        var port = FreePort.Next();
        var dir = Directory.CreateTempSubdirectory("sc-cli");
        var conf = Path.Combine(dir.FullName, "nutcracker.yml");
        var pid = Path.Combine(dir.FullName, "sc.pid");
        File.WriteAllText(conf, $"alpha:\n  listen: 127.0.0.1:{port}\n  servers:\n    - 127.0.0.1:{server.Port}:1\n");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { s_dll, "-c", conf, "-p", pid, "-v", "4" })
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using (var proxy = ExternalProcessProbe.WaitForPort(port, process))
            {
                Assert.Equal("STORED\r\n", await proxy.RoundTripAsync("set cli 0 0 2\r\nok\r\n", "STORED\r\n"));
            }
            Assert.Equal(process.Id.ToString(), File.ReadAllText(pid).Trim());
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]))
            {
                kill.WaitForExit();
            }
            Assert.True(process.WaitForExit(20000), "sharpcracker did not stop on SIGTERM");
            Assert.Equal(0, process.ExitCode);
            Assert.False(File.Exists(pid), "pid file is removed at exit");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
            dir.Delete(recursive: true);
        }
    }
}

internal static class ExternalProcessProbe
{
    public static McConnection WaitForPort(int port, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            Assert.False(process.HasExited, "sharpcracker exited early");
            try
            {
                return new McConnection(port);
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20); // polling a port that is not open yet; there is no event to await
            }
        }
    }
}
