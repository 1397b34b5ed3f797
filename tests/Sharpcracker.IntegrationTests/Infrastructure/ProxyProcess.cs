using System.Diagnostics;
using System.Text;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>
/// The sharpcracker executable in its own process with a given pool configuration, so tests can
/// signal it, watch its memory and see whether it stays up. Its log is kept for assertions.
/// </summary>
public sealed class ProxyProcess : IDisposable
{
    private readonly DirectoryInfo _dir;
    private readonly StringBuilder _log = new();

    private ProxyProcess(Process process, DirectoryInfo dir, int port, int statsPort)
    {
        Process = process;
        _dir = dir;
        Port = port;
        StatsPort = statsPort;
    }

    public Process Process { get; }
    public int Port { get; }
    /// <summary>The stats port (twemproxy's JSON), on 127.0.0.1.</summary>
    public int StatsPort { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts a one-pool proxy over the backend ports and waits until it listens.</summary>
    public static ProxyProcess Start(IEnumerable<int> backendPorts, string extraPoolKeys = "", params string[] extraArgs)
    {
        var port = FreePort.Next();
        var servers = string.Concat(backendPorts.Select((p, i) => $"    - 127.0.0.1:{p}:1 s{i}\n"));
        var extra = string.Concat(extraPoolKeys.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(k => "  " + k.Trim() + "\n"));
        return StartWithConfig($"alpha:\n  listen: 127.0.0.1:{port}\n{extra}  servers:\n{servers}", port, extraArgs);
    }

    /// <summary>Starts the proxy on a whole configuration file's text and waits until <paramref name="port"/> listens.</summary>
    public static ProxyProcess StartWithConfig(string yaml, int port, params string[] extraArgs) => StartWithConfig(yaml, port, 5, extraArgs);

    /// <summary>As <see cref="StartWithConfig(string, int, string[])"/>, at log level <paramref name="verbosity"/> (-v).</summary>
    public static ProxyProcess StartWithConfig(string yaml, int port, int verbosity, params string[] extraArgs)
    {
        var dir = Directory.CreateTempSubdirectory("sc-proc");
        var conf = Path.Combine(dir.FullName, "nutcracker.yml");
        File.WriteAllText(conf, yaml);
        var statsPort = FreePort.Next();
        var process = Process.Start(SharpcrackerExecutable.StartInfo(["-c", conf, "-v", verbosity.ToString(System.Globalization.CultureInfo.InvariantCulture), .. SharpcrackerExecutable.LoopbackStats(statsPort), .. extraArgs]))!;
        var proxy = new ProxyProcess(process, dir, port, statsPort);
        process.OutputDataReceived += (_, e) => proxy.Append(e.Data);
        process.ErrorDataReceived += (_, e) => proxy.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        ExternalProcess.ConnectWhenListening(port, process, "sharpcracker").Dispose();
        return proxy;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    /// <summary>The pool's current client connections, from the stats port.</summary>
    public async Task<long> ClientConnectionsAsync()
    {
        using var stats = new McConnection(StatsPort);
        using var doc = System.Text.Json.JsonDocument.Parse(await stats.ReadToEndAsync());
        return doc.RootElement.GetProperty("alpha").GetProperty("client_connections").GetInt64();
    }

    /// <summary>Resident memory of the proxy process in bytes (VmRSS).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }
        throw new InvalidOperationException("no VmRSS");
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, Process.Id.ToString()]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                Process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        Process.Dispose();
        _dir.Delete(recursive: true);
    }
}
