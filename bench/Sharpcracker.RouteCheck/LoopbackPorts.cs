using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Sharpcracker.RouteCheck;

/// <summary>
/// Free loopback ports below the kernel's ephemeral range (where outgoing connections take their
/// local ports, so a port from there could be taken between the probe and the server's bind), each
/// handed out once per run, probed by binding before it is handed out.
/// </summary>
internal static class LoopbackPorts
{
    private const int Lowest = 10000;
    private static readonly HashSet<int> s_given = [];
    private static readonly int s_high = EphemeralStart();
    private static int s_cursor = Environment.ProcessId * 7919;

    public static int Next()
    {
        lock (s_given)
        {
            while (true)
            {
                var port = Lowest + (int)((uint)s_cursor++ % (uint)(s_high - Lowest));
                if (s_given.Contains(port) || !Bindable(port))
                {
                    continue;
                }
                s_given.Add(port);
                return port;
            }
        }
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            probe.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralStart()
    {
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            var first = int.Parse(text.Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
            return first - Lowest >= 1000 ? first : 32768;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}
