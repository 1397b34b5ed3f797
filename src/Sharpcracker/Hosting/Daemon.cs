using System.Diagnostics;
using System.Runtime.InteropServices;
using Sharpcracker.Common.Interop;

namespace Sharpcracker.Hosting;

/// <summary>
/// -d: the parent starts a copy of itself marked by an environment variable and waits until the
/// copy says it listens, through the copy's stdout pipe (one line, <see cref="ReadyLine"/>).
/// The copy calls setsid() at start (own session, no controlling terminal) and, once every
/// listener is up, writes the line and points its stdin/stdout/stderr at /dev/null. The parent
/// exits 0 on the line, or with the child's status and its stderr when it dies before listening.
/// <para>The copy gets exactly the command line the operator typed, argv[0] included (read back from
/// /proc/self/cmdline): started as <c>bin/nutcracker -d -c conf/x.yml</c>, the daemon's
/// /proc/PID/cmdline is that, so <c>pgrep -f '^bin/nutcracker -d -c conf/x.yml'</c> and
/// <c>pkill -HUP -f …</c> find it, as they find twemproxy (which forks without exec).</para>
/// </summary>
internal static class Daemon
{
    public const string ChildVariable = "SHARPCRACKER_DAEMON_CHILD";
    public const string ReadyLine = "sharpcracker-daemon-ready";
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(120);

    public static bool IsChild => Environment.GetEnvironmentVariable(ChildVariable) == "1";

    /// <summary>Parent side: start the daemon and wait for it to listen (bounded).</summary>
    public static int StartAndWait(string[] args)
    {
        ProcessStartInfo start;
        if (OriginalCommandLine() is [var program, .. var rest] && ResolvesToThisProgram(program))
        {
            // The typed argv, whole ("bin/nutcracker -d …", "dotnet sharpcracker.dll -d …"):
            // System.Diagnostics on Unix passes FileName, as given, as argv[0].
            start = new ProcessStartInfo(program);
            foreach (var a in rest)
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start = new ProcessStartInfo(Environment.ProcessPath!);
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            {
                // Run as "dotnet sharpcracker.dll": start the same dll (never the case in a single-file build).
                start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, typeof(Daemon).Assembly.GetName().Name + ".dll"));
            }
            foreach (var a in args)
            {
                start.ArgumentList.Add(a);
            }
        }
        start.UseShellExecute = false;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment[ChildVariable] = "1";
        using var child = Process.Start(start)!;
        child.StandardInput.Close();
        var stderr = child.StandardError.ReadToEndAsync();
        var ready = WaitForReadyLine(child.StandardOutput);
        if (!ready.Wait(s_readyTimeout))
        {
            Console.Error.WriteLine($"sharpcracker: daemon (pid {child.Id}) did not start listening within {s_readyTimeout.TotalSeconds:F0} s; killing it");
            child.Kill();
            return 1;
        }
        if (ready.Result)
        {
            Console.Out.WriteLine($"sharpcracker: daemon started, pid {child.Id}");
            return 0;
        }
        // The child exited (or closed stdout) before listening: report why.
        child.WaitForExit(10000);
        if (stderr.Wait(TimeSpan.FromSeconds(5)))
        {
            Console.Error.Write(stderr.Result);
        }
        return child.HasExited && child.ExitCode != 0 ? child.ExitCode : 1;
    }

    /// <summary>
    /// The argv this process was started with, exactly (argv[0] as typed: relative, a symlink's
    /// name, or "dotnet"); null where /proc/self/cmdline cannot be read (not Linux).
    /// </summary>
    internal static string[]? OriginalCommandLine()
    {
        try
        {
            var raw = File.ReadAllBytes("/proc/self/cmdline");
            var text = System.Text.Encoding.UTF8.GetString(raw);
            return text.TrimEnd('\0').Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether starting <paramref name="program"/> (argv[0]) from here runs this same executable.
    /// Process.Start resolves a relative name beside this executable first, then in the current
    /// directory, then on PATH; the first that exists must be this executable (compared after
    /// symlinks), else the daemon is started by its absolute path as before.
    /// </summary>
    private static bool ResolvesToThisProgram(string program)
    {
        if (program.Length == 0 || Environment.ProcessPath is not { } self)
        {
            return false;
        }
        IEnumerable<string> candidates = Path.IsPathRooted(program)
            ? [program]
            : [Path.Combine(Path.GetDirectoryName(self)!, program), Path.Combine(Directory.GetCurrentDirectory(), program)];
        if (!program.Contains('/'))
        {
            var path = Environment.GetEnvironmentVariable("PATH") ?? "";
            candidates = candidates.Concat(path.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, program)));
        }
        var first = candidates.FirstOrDefault(File.Exists);
        return first is not null && RealPath(first) == RealPath(self);
    }

    private static string RealPath(string path)
        => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);

    private static async Task<bool> WaitForReadyLine(StreamReader stdout)
    {
        while (await stdout.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line == ReadyLine)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Child side, first thing: leave the parent's session and terminal.</summary>
    public static void Detach()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = Libc.setsid(); // fails only if already a group leader, which a spawned child is not
        }
    }

    /// <summary>Child side, once listening: tell the parent, then stdio to /dev/null.</summary>
    public static void SignalReady()
    {
        Console.Out.Write(ReadyLine + "\n");
        Console.Out.Flush();
        Console.Error.Flush();
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }
        var devNull = Libc.open("/dev/null", 2 /* O_RDWR */);
        if (devNull < 0)
        {
            return;
        }
        for (var fd = 0; fd <= 2; fd++)
        {
            _ = Libc.dup2(devNull, fd);
        }
        if (devNull > 2)
        {
            _ = Libc.close(devNull);
        }
    }
}
