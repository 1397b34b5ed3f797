using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.Testing;

/// <summary>A raw text-protocol client over a real socket, with bounded reads.</summary>
public sealed class McConnection : IDisposable
{
    private static readonly TimeSpan s_readTimeout = TimeSpan.FromSeconds(20);
    private readonly Socket _socket;

    public McConnection(int port)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect("127.0.0.1", port);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    /// <summary>Reads exactly n bytes; fails the test on timeout or early close.</summary>
    public async Task<byte[]> ReadExactlyAsync(int n)
    {
        var buffer = new byte[n];
        var got = 0;
        using var cts = new CancellationTokenSource(s_readTimeout);
        while (got < n)
        {
            var r = await _socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, cts.Token);
            if (r == 0)
            {
                throw new IOException($"connection closed after {got} of {n} bytes: {Encoding.Latin1.GetString(buffer, 0, got)}");
            }
            got += r;
        }
        return buffer;
    }

    /// <summary>Reads until the peer closes the connection (bounded).</summary>
    public async Task<byte[]> ReadToEndAsync()
    {
        var ms = new MemoryStream();
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(s_readTimeout);
        while (true)
        {
            int r;
            try
            {
                r = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // A server that closes with unread input resets the connection; what arrived before counts.
                return ms.ToArray();
            }
            if (r == 0)
            {
                return ms.ToArray();
            }
            ms.Write(buffer, 0, r);
        }
    }

    /// <summary>Reads one \r\n-terminated line.</summary>
    public async Task<string> ReadLineAsync()
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        using var cts = new CancellationTokenSource(s_readTimeout);
        while (true)
        {
            var r = await _socket.ReceiveAsync(one, SocketFlags.None, cts.Token);
            if (r == 0)
            {
                throw new IOException("connection closed mid-line: " + sb);
            }
            sb.Append((char)one[0]);
            if (sb.Length >= 2 && sb[^2] == '\r' && sb[^1] == '\n')
            {
                return sb.ToString(0, sb.Length - 2);
            }
        }
    }

    /// <summary>Sends a request and reads a reply of the given expected length, returning it as text.</summary>
    public async Task<string> RoundTripAsync(string request, string expected)
    {
        await SendAsync(request);
        var bytes = await ReadExactlyAsync(Encoding.Latin1.GetByteCount(expected));
        return Encoding.Latin1.GetString(bytes);
    }

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public void Dispose() => _socket.Dispose();
}
