using System.Diagnostics;
using System.Net.Sockets;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>A real server process (memcached, nutcracker, redis-server) on a loopback port, killed on dispose.</summary>
public sealed class ExternalProcess : IDisposable
{
    private readonly Process _process;

    private ExternalProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public int Pid => _process.Id;

    /// <summary>Starts the program and waits (bounded) until its port accepts connections.</summary>
    public static ExternalProcess Start(string program, IEnumerable<string> args, int port)
    {
        var info = new ProcessStartInfo(InstalledProgram.Find(program))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (ConnectWhenListening(port, process, program))
        {
            return new ExternalProcess(process, port);
        }
    }

    /// <summary>Connects to the port once the process listens on it; fails if the process exits first (bounded).</summary>
    public static McConnection ConnectWhenListening(int port, Process process, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with {process.ExitCode} before listening on {port}");
            }
            try
            {
                return new McConnection(port);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20); // polling a port that is not open yet; there is no event to await
            }
        }
    }

    public static ExternalProcess StartMemcached(params string[] extra) => StartMemcachedOnPort(FreePort.Next(), extra);

    /// <summary>memcached on a given port (a restart on the port of a killed one).</summary>
    public static ExternalProcess StartMemcachedOnPort(int port, params string[] extra)
    {
        var args = new List<string> { "-l", "127.0.0.1", "-p", port.ToString(), "-U", "0", "-t", "1", "-m", "64" };
        if (Environment.UserName == "root")
        {
            args.AddRange(["-u", "nobody"]);
        }
        args.AddRange(extra);
        return Start("memcached", args, port);
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString()]);
        kill.WaitForExit();
        if (signal == "STOP")
        {
            // kill(2) returns before the target has stopped; a fast proxy could still get an
            // answer in between. Wait until the kernel reports every thread stopped.
            var deadline = Environment.TickCount64 + 5000;
            while (!IsStopped() && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(1);
            }
        }
    }

    /// <summary>Every thread of the process is in state T (stopped), per /proc.</summary>
    private bool IsStopped()
    {
        try
        {
            foreach (var task in Directory.GetDirectories($"/proc/{_process.Id}/task"))
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
                if (state != "T" && state != "t")
                {
                    return false;
                }
            }
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
