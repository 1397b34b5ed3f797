using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>
/// The real sharpcracker executable with a YAML config in a temp directory, its stats port on a
/// free loopback port (and optionally /metrics), killed and cleaned up on dispose.
/// </summary>
public sealed class ProxyProcessRunner : IDisposable
{

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private ProxyProcessRunner(Process process, DirectoryInfo dir, int statsPort, int metricsPort)
    {
        _process = process;
        Directory = dir;
        StatsPort = statsPort;
        MetricsPort = metricsPort;
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public DirectoryInfo Directory { get; }
    public int StatsPort { get; }
    public int MetricsPort { get; }
    public int Pid => _process.Id;
    public Process Process => _process;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts sharpcracker on <paramref name="yaml"/> with -s/-a on loopback plus <paramref name="extraArgs"/>.</summary>
    public static ProxyProcessRunner Start(string yaml, bool metrics, params string[] extraArgs)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("sc-ops");
        var conf = Path.Combine(dir.FullName, "nutcracker.yml");
        File.WriteAllText(conf, yaml);
        var statsPort = FreePort.Next();
        var metricsPort = metrics ? FreePort.Next() : 0;
        var info = SharpcrackerExecutable.StartInfo(StartArguments(conf, statsPort, metricsPort).Concat(extraArgs));
        return new ProxyProcessRunner(Process.Start(info)!, dir, statsPort, metricsPort);
    }

    public static List<string> StartArguments(string conf, int statsPort, int metricsPort)
    {
        List<string> args = ["-c", conf, .. SharpcrackerExecutable.LoopbackStats(statsPort)];
        if (metricsPort > 0)
        {
            args.AddRange(["--metrics-port", metricsPort.ToString()]);
        }
        return args;
    }

    /// <summary>Waits (bounded) until <paramref name="port"/> accepts connections; fails if the proxy exits first.</summary>
    public void WaitListening(int port)
    {
        using var _ = ExternalProcess.ConnectWhenListening(port, _process, "sharpcracker");
    }

    public void Signal(string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, _process.Id.ToString()])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Reads the stats port's whole document (twemproxy's protocol: connect, read to EOF).</summary>
    public static async Task<string> ReadStatsAsync(int port)
    {
        using var connection = new McConnection(port);
        return Encoding.UTF8.GetString(await connection.ReadToEndAsync());
    }

    public Task<string> ReadStatsAsync() => ReadStatsAsync(StatsPort);

    public async Task<(int Status, string Body)> HttpGetAsync(string path)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.GetAsync($"http://127.0.0.1:{MetricsPort}{path}");
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the (generous) deadline passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await condition())
            {
                return true;
            }
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(50); // polling state owned by another process; there is no event to await
        }
    }

    public static Task<bool> EventuallyAsync(Func<bool> condition, int seconds = 30) => EventuallyAsync(() => Task.FromResult(condition()), seconds);
}
