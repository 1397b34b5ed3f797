using System.Net;
using System.Net.Sockets;

namespace Sharpcracker.Testing;

/// <summary>Loopback ports for test servers. Ports are handed out once per test run to avoid reuse races.</summary>
public static class FreePort
{
    private static readonly HashSet<int> s_given = [];

    /// <summary>A port P whose companion P + <paramref name="offset"/> is free too (Redis Cluster's bus port is P + 10000).</summary>
    public static int NextWithCompanion(int offset)
    {
        while (true)
        {
            var port = Next();
            if (port + offset > 65535)
            {
                continue;
            }
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port + offset);
                probe.Start();
                probe.Stop();
            }
            catch (System.Net.Sockets.SocketException)
            {
                continue;
            }
            lock (s_given)
            {
                if (s_given.Add(port + offset))
                {
                    return port;
                }
            }
        }
    }

    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (s_given)
            {
                if (s_given.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
