using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.LoadGen;

/// <summary>What the proxy process reports at one instant: CPU time, allocated bytes, gen0 collections (-1 = not measured).</summary>
public readonly record struct ProxySample(double CpuSeconds, long AllocatedBytes, long Gen0Collections);

/// <summary>
/// Reads the proxy's CPU time from /proc and its allocation counters from its memcached `stats`,
/// so the cost per request covers exactly the measured window (no preload, connect or warmup).
/// Runs twice per run, off the hot path.
/// </summary>
public static class ProxyProbe
{
    private static readonly double s_ticksPerSecond = ClockTicks();

    public static async Task<ProxySample> SampleAsync(LoadOptions options)
    {
        var cpu = options.ProxyPid > 0 ? CpuSeconds(options.ProxyPid) : -1;
        long allocated = -1, gen0 = -1;
        if (options.StatsPort > 0)
        {
            (allocated, gen0) = await StatsAsync(options.Host, options.StatsPort);
        }
        return new ProxySample(cpu, allocated, gen0);
    }

    /// <summary>utime + stime of the process (fields 14 and 15 of /proc/PID/stat, counted after the parenthesised name).</summary>
    public static double CpuSeconds(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / s_ticksPerSecond;
    }

    private static async Task<(long Allocated, long Gen0)> StatsAsync(string host, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(host, port, timeout.Token);
        await socket.SendAsync("stats\r\n"u8.ToArray(), SocketFlags.None, timeout.Token);
        var text = new StringBuilder();
        var buffer = new byte[16384];
        while (!text.ToString().Contains("END\r\n", StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                break;
            }
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        long allocated = -1, gen0 = -1;
        foreach (var line in text.ToString().Split("\r\n"))
        {
            var parts = line.Split(' ');
            if (parts.Length == 3 && parts[0] == "STAT")
            {
                if (parts[1] == "gc_allocated_bytes")
                {
                    allocated = long.Parse(parts[2], CultureInfo.InvariantCulture);
                }
                else if (parts[1] == "gc_gen0_collections")
                {
                    gen0 = long.Parse(parts[2], CultureInfo.InvariantCulture);
                }
            }
        }
        return (allocated, gen0);
    }

    private static double ClockTicks()
    {
        // USER_HZ is 100 on every Linux architecture .NET runs on; getconf is the authority when present.
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true });
            var text = p!.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return double.Parse(text, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or FormatException or InvalidOperationException)
        {
            return 100;
        }
    }
}
