using System.Diagnostics;
using System.Net.Sockets;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>Reading a socket the proxy is expected to close.</summary>
internal static class SocketDrain
{
    /// <summary>
    /// Reads until the peer closes (EOF or reset); <paramref name="afterEachRead"/> runs after every
    /// read (a memory sample). Returns the bytes read. Two ways out that are not a close, told apart
    /// so a failure says which: more than <paramref name="atMost"/> bytes arrive (the proxy is
    /// serving the client instead of closing it: the caller's assertion on the count then fails at
    /// once, instead of the whole stream being read slowly on a loaded machine), or no byte and no
    /// EOF arrives for <paramref name="idle"/> (default 60 s: the proxy neither serves nor closes
    /// it, a hang), which throws with what was received so far.
    /// </summary>
    public static async Task<long> UntilClosedAsync(Socket socket, Action afterEachRead, long atMost = long.MaxValue, TimeSpan? idle = null)
    {
        var limit = idle ?? TimeSpan.FromSeconds(60);
        var received = 0L;
        var buffer = new byte[1 << 16];
        var watch = Stopwatch.StartNew();
        try
        {
            while (received <= atMost)
            {
                using var cts = new CancellationTokenSource(limit);
                int n;
                try
                {
                    n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"neither data nor EOF for {limit.TotalSeconds:F0} s after {received} bytes in {watch.Elapsed.TotalSeconds:F1} s: the proxy neither serves nor closes the client");
                }
                if (n == 0)
                {
                    return received;
                }
                received += n;
                afterEachRead();
            }
            return received; // served past atMost: not closed
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return received;
        }
    }
}
