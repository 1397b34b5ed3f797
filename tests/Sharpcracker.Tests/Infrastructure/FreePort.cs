using System.Net;
using System.Net.Sockets;

namespace Sharpcracker.Tests.Infrastructure;

/// <summary>Loopback ports for test servers. Ports are handed out once per test run to avoid reuse races.</summary>
public static class FreePort
{
    private static readonly HashSet<int> s_given = [];

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
