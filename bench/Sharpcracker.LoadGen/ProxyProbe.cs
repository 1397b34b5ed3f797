using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.LoadGen;

/// <summary>What the proxy process reports at one instant: CPU time, allocated bytes, gen0 collections (-1 = not measured).</summary>
public readonly record struct ProxySample(double CpuSeconds, long AllocatedBytes, long Gen0Collections);

/// <summary>
/// Reads the proxy's CPU time from /proc and its allocation counters from its memcached `stats`
/// (--stats-port) or its Redis `INFO` (--info-port, the Memory section), so the cost per request
/// covers exactly the measured window (no preload, connect or warmup). Runs twice per run, off
/// the hot path; the probe's own connection and reply are charged to the window (a few KiB over
/// millions of requests).
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
        else if (options.InfoPort > 0)
        {
            (allocated, gen0) = await InfoAsync(options.Host, options.InfoPort);
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

    /// <summary>`INFO` over RESP2 (no HELLO: a bulk string reply); "gc_allocated_bytes:N" and "gc_gen0_collections:N" lines, -1 where absent.</summary>
    private static async Task<(long Allocated, long Gen0)> InfoAsync(string host, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(host, port, timeout.Token);
        await socket.SendAsync("*1\r\n$4\r\nINFO\r\n"u8.ToArray(), SocketFlags.None, timeout.Token);
        var buffer = new byte[65536];
        var filled = 0;
        int length;
        while ((length = Resp3Frame.Length(buffer.AsSpan(0, filled))) == 0)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            var n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                return (-1, -1);
            }
            filled += n;
        }
        long allocated = -1, gen0 = -1;
        if (length < 0 || buffer[0] != '$')
        {
            return (allocated, gen0); // an error reply (-ERR …) or not RESP: not measured
        }
        foreach (var line in Encoding.ASCII.GetString(buffer, 0, length).Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }
            var name = line.AsSpan(0, colon);
            if (name.SequenceEqual("gc_allocated_bytes"))
            {
                allocated = long.Parse(line.AsSpan(colon + 1), CultureInfo.InvariantCulture);
            }
            else if (name.SequenceEqual("gc_gen0_collections"))
            {
                gen0 = long.Parse(line.AsSpan(colon + 1), CultureInfo.InvariantCulture);
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
