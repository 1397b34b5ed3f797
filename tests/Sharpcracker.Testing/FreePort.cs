using System.Net;
using System.Net.Sockets;

namespace Sharpcracker.Testing;

/// <summary>
/// Loopback ports for test servers, each handed out once per test run. They come from below the
/// kernel's ephemeral range (ip_local_port_range), where outgoing connections take their local
/// ports: a port taken from that range could be grabbed by any client socket of the run between
/// the probe and the server's bind, and the server would fail to start. Each process starts at its
/// own place in the range, so test processes running side by side rarely meet; a port is still
/// probed before it is handed out.
/// </summary>
public static class FreePort
{
    private const int Lowest = 10000;
    private static readonly HashSet<int> s_given = [];
    private static readonly int s_ephemeralStart = EphemeralStart();
    private static int s_cursor = Environment.ProcessId * 7919;

    /// <summary>A port P whose companion P + <paramref name="offset"/> is free too (Redis Cluster's bus port is P + 10000).</summary>
    public static int NextWithCompanion(int offset) => Next(offset);

    public static int Next() => Next(0);

    private static int Next(int offset)
    {
        var high = s_ephemeralStart - offset;
        if (high - Lowest < 1000)
        {
            return FromKernel(offset); // no room below the ephemeral range on this machine
        }
        lock (s_given)
        {
            for (var tries = 0; tries < high - Lowest; tries++)
            {
                var port = Lowest + (int)((uint)s_cursor++ % (uint)(high - Lowest));
                if (s_given.Contains(port) || (offset > 0 && s_given.Contains(port + offset)) || !Bindable(port) || (offset > 0 && !Bindable(port + offset)))
                {
                    continue;
                }
                s_given.Add(port);
                if (offset > 0)
                {
                    s_given.Add(port + offset);
                }
                return port;
            }
        }
        return FromKernel(offset);
    }

    /// <summary>The old way, where the range is unusable: a port the kernel picks (in the ephemeral range).</summary>
    private static int FromKernel(int offset)
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (port + offset > 65535 || (offset > 0 && !Bindable(port + offset)))
            {
                continue;
            }
            lock (s_given)
            {
                if (s_given.Add(port) && (offset == 0 || s_given.Add(port + offset)))
                {
                    return port;
                }
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

    /// <summary>The first port of net.ipv4.ip_local_port_range (32768 when it cannot be read).</summary>
    private static int EphemeralStart()
    {
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            var first = text.Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0];
            return int.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}
