using System.Net;
using System.Net.Sockets;
using System.Text;
using Sharpcracker.Hosting;

namespace Sharpcracker.IntegrationTests.LiveConfig;

/// <summary>
/// A loopback HTTP server standing in for membase's bucketsStreamingConfig: each accepted
/// request gets a chunked 200 response that stays open; the test writes documents (in any
/// chunking) and may break the connection abruptly.
/// </summary>
internal sealed class StreamingConfigServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public StreamingConfigServer() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}/pools/default/bucketsStreamingConfig/default";

    /// <summary>Accepts the next stream request (bounded wait) and sends the response headers.</summary>
    public async Task<StreamConnection> AcceptAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var socket = await _listener.AcceptSocketAsync(cts.Token);
        var request = new StringBuilder();
        var buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.True(n > 0, "the proxy closed the stream request");
            request.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        Assert.StartsWith("GET /pools/default/bucketsStreamingConfig/default HTTP/1.1\r\n", request.ToString(), StringComparison.Ordinal);
        var connection = new StreamConnection(socket, request.ToString());
        await connection.SendRawAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nTransfer-Encoding: chunked\r\nCache-Control: no-cache\r\n\r\n");
        return connection;
    }

    public void Dispose() => _listener.Stop();
}

internal sealed class StreamConnection : IDisposable
{
    private readonly Socket _socket;

    public StreamConnection(Socket socket, string request)
    {
        _socket = socket;
        Request = request;
    }

    public string Request { get; }

    public async Task SendRawAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    /// <summary>Writes the text as one HTTP chunk.</summary>
    public Task SendChunkAsync(string text)
        => SendRawAsync($"{Encoding.UTF8.GetByteCount(text):x}\r\n{text}\r\n");

    /// <summary>Breaks the stream mid-response (RST), as a crashing config server would.</summary>
    public void Break()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public void Dispose() => _socket.Dispose();
}
