using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Sharpcracker.Testing;

namespace Sharpcracker.RouteCheck;

/// <summary>
/// A proxy (sharpcracker or nutcracker) in its own process on a configuration file written to a
/// temporary directory, its stats port on loopback; killed by its pid and the directory removed
/// on dispose.
/// </summary>
internal sealed class ProxyProcess : IDisposable
{
    private readonly DirectoryInfo _directory;

    private ProxyProcess(ChildProcess child, DirectoryInfo directory, int statsPort)
    {
        Child = child;
        _directory = directory;
        StatsPort = statsPort;
    }

    public ChildProcess Child { get; }
    public int StatsPort { get; }
    public int Port => Child.Port;

    /// <summary>
    /// Starts <paramref name="executable"/> on <paramref name="yaml"/> and returns once
    /// <paramref name="listenPort"/> accepts connections; throws with the process's last lines when it
    /// exits first (a configuration it refuses).
    /// </summary>
    public static ProxyProcess Start(string name, string executable, string yaml, int listenPort, params string[] extraArgs)
    {
        var directory = Directory.CreateTempSubdirectory("routecheck");
        var conf = Path.Combine(directory.FullName, "nutcracker.yml");
        File.WriteAllText(conf, yaml);
        var stats = FreePort.Next();
        List<string> args = ["-c", conf, "-s", stats.ToString(CultureInfo.InvariantCulture), "-a", "127.0.0.1", "-o", Path.Combine(directory.FullName, "proxy.log")];
        args.AddRange(extraArgs);
        try
        {
            return new ProxyProcess(ChildProcess.Start(name, executable, args, listenPort), directory, stats);
        }
        catch (InvalidOperationException e)
        {
            var log = Path.Combine(directory.FullName, "proxy.log");
            var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(10)) : "";
            directory.Delete(recursive: true);
            throw new InvalidOperationException(e.Message + "\n" + tail, e);
        }
    }

    /// <summary>The last lines of the proxy's log file.</summary>
    public string LogTail(int lines = 20)
    {
        var log = Path.Combine(_directory.FullName, "proxy.log");
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(lines)) : "";
    }

    /// <summary>The stats port's JSON document (connect, read to the end), or null when it does not answer in 5 s.</summary>
    public string? ReadStats()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 5000 };
            socket.Connect("127.0.0.1", StatsPort);
            var text = new MemoryStream();
            var buffer = new byte[65536];
            int r;
            while ((r = socket.Receive(buffer)) > 0)
            {
                text.Write(buffer, 0, r);
            }
            return Encoding.UTF8.GetString(text.ToArray());
        }
        catch (SocketException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        Child.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
