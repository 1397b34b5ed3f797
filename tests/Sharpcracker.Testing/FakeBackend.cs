using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Sharpcracker.Testing;

/// <summary>
/// A scripted line-protocol backend on a loopback port, for failures a real memcached cannot be
/// made to produce (garbage replies, unsolicited bytes, held replies, failing probes). The
/// handler sees (connection index, line without \r\n) and returns the bytes to answer, or null
/// to answer nothing. It may await (a held reply).
/// </summary>
public sealed class FakeBackend : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<FakeBackend, int, string, Task<string?>> _handler;
    private readonly ConcurrentDictionary<int, Socket> _sockets = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _closed = new();
    private readonly CancellationTokenSource _stop = new();
    private int _accepted;
    private int _lines;

    public FakeBackend(Func<FakeBackend, int, string, Task<string?>> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(1024);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    public FakeBackend(Func<int, string, string?> handler)
        : this((_, c, l) => Task.FromResult(handler(c, l)))
    {
    }

    public int Port { get; }

    /// <summary>Accept each connection and close it at once (a server that dies on every connect).</summary>
    public bool CloseOnAccept { get; init; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Request lines received so far, over all connections.</summary>
    public int Lines => Volatile.Read(ref _lines);

    public readonly ConcurrentQueue<string> Received = new();

    /// <summary>Completes when the proxy closes connection <paramref name="index"/>.</summary>
    public Task ClosedByPeer(int index) => _closed.GetOrAdd(index, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Sends bytes on a connection without a request (an unsolicited reply).</summary>
    public Task SendAsync(int index, string text) => _sockets[index].SendAsync(Encoding.Latin1.GetBytes(text), SocketFlags.None);

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                var index = Interlocked.Increment(ref _accepted) - 1;
                if (CloseOnAccept)
                {
                    socket.Dispose();
                    continue;
                }
                _sockets[index] = socket;
                _ = ServeAsync(socket, index);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(Socket socket, int index)
    {
        var buffer = new byte[65536];
        var pending = new StringBuilder();
        // Lines are counted as they arrive; the handler runs on them one at a time, in order,
        // so a handler holding its reply does not stop the backend from receiving.
        var lines = Channel.CreateUnbounded<string>();
        var handling = HandleAsync(socket, index, lines.Reader);
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    break;
                }
                pending.Append(Encoding.Latin1.GetString(buffer, 0, n));
                while (true)
                {
                    var text = pending.ToString();
                    var nl = text.IndexOf('\n', StringComparison.Ordinal);
                    if (nl < 0)
                    {
                        break;
                    }
                    var line = text[..nl].TrimEnd('\r');
                    pending.Remove(0, nl + 1);
                    Received.Enqueue(line);
                    Interlocked.Increment(ref _lines);
                    lines.Writer.TryWrite(line);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            lines.Writer.TryComplete();
            socket.Dispose();
            _closed.GetOrAdd(index, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private async Task HandleAsync(Socket socket, int index, ChannelReader<string> lines)
    {
        try
        {
            await foreach (var line in lines.ReadAllAsync())
            {
                var reply = await _handler(this, index, line);
                if (reply is not null)
                {
                    await socket.SendAsync(Encoding.Latin1.GetBytes(reply), SocketFlags.None);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var socket in _sockets.Values)
        {
            socket.Dispose();
        }
    }
}
