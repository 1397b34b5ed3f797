using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Sharpcracker.RouteCheck;

/// <summary>
/// A server or proxy process this tool started (memcached, nutcracker, sharpcracker) on a loopback
/// port: started, waited for (bounded) until the port accepts connections, signalled and killed by
/// its pid. Keeps the last lines it wrote, to show when it fails.
/// </summary>
internal sealed partial class ChildProcess : IDisposable
{
    private const int SigKill = 9;
    private const int SigCont = 18;
    private const int SigStop = 19;
    private const int KeptLines = 40;
    private static readonly HashSet<ChildProcess> s_running = [];
    private readonly Process _process;
    private readonly Queue<string> _lines = new();

    private ChildProcess(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (s_running)
        {
            s_running.Add(this);
        }
    }

    /// <summary>Kills every process still running (the tool is ending on a signal: nothing may outlive it).</summary>
    public static void KillAll()
    {
        ChildProcess[] running;
        lock (s_running)
        {
            running = [.. s_running];
        }
        foreach (var child in running)
        {
            child.Dispose();
        }
    }

    public string Name { get; }
    public int Port { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote (stdout and stderr).</summary>
    public string Tail
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Starts <paramref name="path"/> and returns once <paramref name="port"/> accepts a connection (20 s at most).</summary>
    public static ChildProcess Start(string name, string path, IEnumerable<string> args, int port)
    {
        var info = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        var child = new ChildProcess(name, Process.Start(info) ?? throw new InvalidOperationException($"cannot start {path}"), port);
        try
        {
            child.WaitListening();
        }
        catch
        {
            child.Dispose();
            throw;
        }
        return child;
    }

    /// <summary>memcached on <paramref name="port"/>: one thread, 64 MB, loopback only.</summary>
    public static ChildProcess StartMemcached(string name, int port)
    {
        List<string> args = ["-l", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-U", "0", "-t", "1", "-m", "64", "-c", "4096"];
        if (Environment.UserName == "root")
        {
            args.AddRange(["-u", "nobody"]);
        }
        return Start(name, Programs.Find("memcached"), args, port);
    }

    private void WaitListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before listening on {Port}:\n{Tail}");
            }
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20); // polling a port that is not open yet; there is no event to await
            }
        }
    }

    /// <summary>SIGSTOP, returning once every thread of the process is stopped (kill(2) returns before that).</summary>
    public void Stop()
    {
        Send(SigStop);
        var deadline = Environment.TickCount64 + 5000;
        while (!AllThreadsStopped() && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(1); // the kernel's state, readable only from /proc
        }
    }

    public void Continue() => Send(SigCont);

    /// <summary>SIGSTOP without waiting for it to take effect (a duty cycle of stops and continues: a slow server).</summary>
    public void StopNoWait() => Send(SigStop);

    /// <summary>SIGKILL and wait for the exit (bounded).</summary>
    public void Kill()
    {
        Send(SigKill);
        _process.WaitForExit(10000);
    }

    /// <summary>Resident memory in bytes (VmRSS), 0 once the process is gone.</summary>
    public long ResidentBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    private void Send(int signal)
    {
        if (!_process.HasExited && Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private bool AllThreadsStopped()
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

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Send(SigKill);
                _process.WaitForExit(10000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        lock (s_running)
        {
            s_running.Remove(this);
        }
    }
}
