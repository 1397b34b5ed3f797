using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Hosting;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>
/// The proxy under test, started from a YAML configuration in one of two places: inside the test
/// process (a <see cref="ProxyHost"/> the test can reload and inspect), or as the built executable in
/// its own process (signals, memory, pid files, the stats and /metrics ports, its log). Either way it
/// listens on free loopback ports. Disposing stops it: the host is stopped, the process is killed by
/// its pid and its temporary directory removed.
/// </summary>
internal sealed class TestProxy : IAsyncDisposable, IDisposable
{
    private readonly ProxyHost? _host;
    private readonly Process? _process;
    private readonly DirectoryInfo? _directory;
    private readonly StringBuilder _log = new();

    private TestProxy(ProxyHost host, int port)
    {
        _host = host;
        Port = port;
    }

    private TestProxy(Process process, DirectoryInfo directory, int port, int statsPort, int metricsPort)
    {
        _process = process;
        _directory = directory;
        Port = port;
        StatsPort = statsPort;
        MetricsPort = metricsPort;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The listen port the proxy was started for (0 when a process was started without one).</summary>
    public int Port { get; }

    /// <summary>The running host, for a proxy in the test process (config reload tests apply new configs to it).</summary>
    public ProxyHost Host => _host ?? throw new InvalidOperationException("the proxy runs in its own process, not in the test process");

    /// <summary>The proxy's own process.</summary>
    public Process Process => _process ?? throw new InvalidOperationException("the proxy runs in the test process");

    public int Pid => Process.Id;

    /// <summary>The directory holding the process's nutcracker.yml (tests edit it before a reload).</summary>
    public DirectoryInfo Directory => _directory ?? throw new InvalidOperationException("the proxy runs in the test process");

    /// <summary>The process's stats port (twemproxy's JSON), on 127.0.0.1.</summary>
    public int StatsPort { get; }

    /// <summary>The process's /metrics port (the operator console), 0 when not asked for.</summary>
    public int MetricsPort { get; }

    /// <summary>Everything the process wrote so far, stdout and stderr, line by line as they arrived (empty in the test process).</summary>
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

    /// <summary>
    /// The configuration text of one pool <paramref name="name"/> listening on 127.0.0.1:<paramref name="port"/>
    /// over the backend ports (weight 1, named <paramref name="serverPrefix"/>0, 1, …), with
    /// <paramref name="extraPoolKeys"/> (one "key: value" a line) between listen and servers.
    /// </summary>
    public static string OnePool(string name, int port, IEnumerable<int> backendPorts, string extraPoolKeys = "", string serverPrefix = "s")
    {
        var extra = string.Concat(extraPoolKeys.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(k => "  " + k.Trim() + "\n"));
        var servers = string.Concat(backendPorts.Select((p, i) => $"    - 127.0.0.1:{p}:1 {serverPrefix}{i}\n"));
        return $"{name}:\n  listen: 127.0.0.1:{port}\n{extra}  servers:\n{servers}";
    }

    /// <summary>In the test process: a one-pool memcached proxy over the given backend ports.</summary>
    public static Task<TestProxy> StartMemcachedAsync(IEnumerable<int> backendPorts, string extraPoolKeys = "")
    {
        var port = FreePort.Next();
        return StartAsync(OnePool("pool", port, backendPorts, extraPoolKeys), port);
    }

    /// <summary>In the test process: a one-pool Redis proxy (redis: true) over the given backend ports.</summary>
    public static Task<TestProxy> StartRedisAsync(IEnumerable<int> backendPorts, string extraPoolKeys = "")
    {
        var port = FreePort.Next();
        return StartAsync(OnePool("pool", port, backendPorts, "redis: true\n" + extraPoolKeys, "r"), port);
    }

    /// <summary>In the test process: a proxy on a whole configuration's text; <paramref name="port"/> is its (first) listen port.</summary>
    /// <param name="threads">Worker threads; 0 = the proxy's default (one per processor).</param>
    public static async Task<TestProxy> StartAsync(string yaml, int port, int threads = 0)
    {
        var config = ConfigLoader.Parse(yaml, "test.yml");
        var host = new ProxyHost(config, logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft", LogLevel.Error), threads);
        await host.StartAsync();
        return new TestProxy(host, port);
    }

    /// <summary>As its own process: a one-pool proxy (pool "alpha") over the backend ports, returned once it listens.</summary>
    public static TestProxy StartMemcachedProcess(IEnumerable<int> backendPorts, string extraPoolKeys = "", params string[] extraArgs)
    {
        var port = FreePort.Next();
        return StartProcess(OnePool("alpha", port, backendPorts, extraPoolKeys), port, metrics: false, extraArgs);
    }

    /// <summary>
    /// As its own process: the executable on a whole configuration file's text (written to nutcracker.yml in a
    /// temporary directory; no <c>-c</c> when <paramref name="yaml"/> is null, for moxi's forms), its stats port on
    /// a free loopback port, /metrics too when <paramref name="metrics"/>, plus <paramref name="extraArgs"/>.
    /// Returns once <paramref name="listenPort"/> accepts connections, or at once when it is null (the test then
    /// waits with <see cref="WaitListening"/>, or expects the process to exit).
    /// </summary>
    public static TestProxy StartProcess(string? yaml, int? listenPort, bool metrics = false, params string[] extraArgs)
        => Launch([], yaml, listenPort, metrics, extraArgs);

    /// <summary>As <see cref="StartProcess"/>, the executable run by <paramref name="wrapper"/> (e.g. <c>prlimit --nofile=200:200</c>).</summary>
    public static TestProxy StartProcessUnder(string[] wrapper, string yaml, int listenPort, params string[] extraArgs)
        => Launch(wrapper, yaml, listenPort, metrics: false, extraArgs);

    private static TestProxy Launch(string[] wrapper, string? yaml, int? listenPort, bool metrics, string[] extraArgs)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("sc-proxy");
        string? conf = null;
        if (yaml is not null)
        {
            conf = Path.Combine(directory.FullName, "nutcracker.yml");
            File.WriteAllText(conf, yaml);
        }
        var statsPort = FreePort.Next();
        var metricsPort = metrics ? FreePort.Next() : 0;
        var info = SharpcrackerExecutable.StartInfo(Arguments(conf, statsPort, metricsPort).Concat(extraArgs));
        if (wrapper.Length > 0)
        {
            info.ArgumentList.Insert(0, info.FileName);
            for (var i = wrapper.Length - 1; i > 0; i--)
            {
                info.ArgumentList.Insert(0, wrapper[i]);
            }
            info.FileName = wrapper[0];
        }
        var process = Process.Start(info)!;
        var proxy = new TestProxy(process, directory, listenPort ?? 0, statsPort, metricsPort);
        if (listenPort is { } port)
        {
            try
            {
                proxy.WaitListening(port);
            }
            catch
            {
                proxy.Dispose();
                throw;
            }
        }
        return proxy;
    }

    /// <summary>The arguments every started process gets: <c>-c CONF</c> (unless null), the stats port on loopback, <c>--metrics-port</c> when not 0.</summary>
    public static List<string> Arguments(string? conf, int statsPort, int metricsPort)
    {
        List<string> args = conf is null ? [] : ["-c", conf];
        args.AddRange(SharpcrackerExecutable.LoopbackStats(statsPort));
        if (metricsPort > 0)
        {
            args.AddRange(["--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture)]);
        }
        return args;
    }

    /// <summary>Waits (bounded) until <paramref name="port"/> accepts connections; fails if the process exits first.</summary>
    public void WaitListening(int port) => ExternalProcess.ConnectWhenListening(port, Process, "sharpcracker").Dispose();

    /// <summary>Sends <paramref name="signal"/> (e.g. TERM, HUP, USR1) to the process by its pid.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Resident memory of the process in bytes (VmRSS).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException("no VmRSS");
    }

    /// <summary>Reads a stats port's whole document (twemproxy's protocol: connect, read to EOF).</summary>
    public static async Task<string> ReadStatsAsync(int port)
    {
        using var connection = new McConnection(port);
        return Encoding.UTF8.GetString(await connection.ReadToEndAsync());
    }

    /// <summary>The process's stats document.</summary>
    public Task<string> ReadStatsAsync() => ReadStatsAsync(StatsPort);

    /// <summary>A pool's current client connections, from the stats port.</summary>
    public async Task<long> ClientConnectionsAsync(string pool = "alpha")
    {
        using var doc = System.Text.Json.JsonDocument.Parse(await ReadStatsAsync());
        return doc.RootElement.GetProperty(pool).GetProperty("client_connections").GetInt64();
    }

    /// <summary>GET <paramref name="path"/> on the /metrics port.</summary>
    public async Task<(int Status, string Body)> HttpGetAsync(string path)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.GetAsync($"http://127.0.0.1:{MetricsPort}{path}");
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
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

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            await _host.DisposeAsync();
        }
        else
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        if (_host is not null)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
            return;
        }
        var process = _process!;
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
        try
        {
            _directory!.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
