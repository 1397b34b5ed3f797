using System.Net.Sockets;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>Reading a socket the proxy is expected to close.</summary>
internal static class SocketDrain
{
    /// <summary>
    /// Reads until the peer closes (EOF or reset), at most 60 s; <paramref name="afterEachRead"/>
    /// runs after every read (a memory sample). Returns the bytes read.
    /// </summary>
    public static async Task<long> UntilClosedAsync(Socket socket, Action afterEachRead)
    {
        var received = 0L;
        var buffer = new byte[1 << 16];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return received;
                }
                received += n;
                afterEachRead();
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return received;
        }
    }
}
