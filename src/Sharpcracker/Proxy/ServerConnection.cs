using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Sharpcracker.Proxy;

/// <summary>
/// One persistent connection to a backend, shared by every client routed to it.
/// Clients append request bytes to <see cref="_pending"/> and the request to the in-flight FIFO
/// under <see cref="_lock"/>, so FIFO order is byte order. One write loop swaps the pending
/// buffer out and sends it whole (many clients' requests in one send). One read loop frames
/// replies and hands each to the FIFO head. Any error, desync or timeout fails every queued
/// request and discards the socket (generation bump); the next request reconnects.
/// </summary>
internal sealed class ServerConnection
{
    private readonly BackendServer _server;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly Queue<BackendRequest> _inflight = new();
    private volatile AsyncSignal _writeSignal = new(runInline: true);
    private ByteBuffer _pending = new();
    private ByteBuffer _sending = new();
    private Socket? _socket;
    private volatile bool _connected; // written under _lock; read without it by Flush
    private bool _connecting;
    private int _generation;

    public ServerConnection(BackendServer server, ILogger logger)
    {
        _server = server;
        _logger = logger;
    }

    /// <summary>
    /// Takes the connection's lock and returns the buffer to append one request's bytes to.
    /// Must be followed by <see cref="Commit"/> on the same thread.
    /// </summary>
    public ByteBuffer BeginRequest()
    {
        Monitor.Enter(_lock);
        return _pending;
    }

    /// <summary>
    /// Queues the request whose bytes were just appended and releases the lock. The caller calls
    /// <see cref="Flush"/> once after its whole batch, so one send carries the batch.
    /// </summary>
    public void Commit(BackendRequest request)
    {
        request.EnqueuedAt = Environment.TickCount64;
        _inflight.Enqueue(request);
        var connected = _connected;
        var startConnect = !connected && !_connecting;
        if (startConnect)
        {
            _connecting = true;
        }
        var generation = _generation;
        Monitor.Exit(_lock);
        if (startConnect)
        {
            _ = ConnectAsync(generation);
        }
    }

    /// <summary>Sends what callers have queued. With inline signalling the send usually happens on the caller's thread.</summary>
    public void Flush()
    {
        if (_connected)
        {
            _writeSignal.Set();
        }
    }

    /// <summary>Opens the connection ahead of traffic (preconnect).</summary>
    public void Preconnect()
    {
        int generation;
        lock (_lock)
        {
            if (_connected || _connecting)
            {
                return;
            }
            _connecting = true;
            generation = _generation;
        }
        _ = ConnectAsync(generation);
    }

    private async Task ConnectAsync(int generation)
    {
        Socket? socket = null;
        try
        {
            var config = _server.Config;
            EndPoint endpoint;
            if (config.IsUnix)
            {
                endpoint = new UnixDomainSocketEndPoint(config.UnixPath!);
                socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            }
            else
            {
                // Resolved at every connect, so a DNS change is picked up on reconnect.
                var address = IPAddress.TryParse(config.Host, out var ip)
                    ? ip
                    : (await Dns.GetHostAddressesAsync(config.Host!).ConfigureAwait(false))[0];
                endpoint = new IPEndPoint(address, config.Port);
                socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            }
            await socket.ConnectAsync(endpoint).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            socket?.Dispose();
            var reason = e is SocketException se ? SocketErrors.Describe(se.SocketErrorCode) : "Host is down";
            _logger.LogWarning("pool {Pool} server {Server}: connect failed: {Reason}", _server.Pool.Name, _server.Name, reason);
            Fail(generation, reason);
            return;
        }

        AsyncSignal signal;
        lock (_lock)
        {
            if (_generation != generation)
            {
                socket.Dispose();
                return;
            }
            _socket = socket;
            _connected = true;
            _connecting = false;
            // Each connection gets its own signal: the old write loop may still be waking up.
            signal = new AsyncSignal(runInline: true);
            _writeSignal = signal;
        }
        _logger.LogDebug("pool {Pool} server {Server}: connected", _server.Pool.Name, _server.Name);
        _ = WriteLoopAsync(socket, signal, generation);
        _ = ReadLoopAsync(socket, generation);
        signal.Set();
    }

    private async Task WriteLoopAsync(Socket socket, AsyncSignal signal, int generation)
    {
        try
        {
            while (true)
            {
                await signal.WaitAsync().ConfigureAwait(false);
                ByteBuffer batch;
                lock (_lock)
                {
                    if (_generation != generation)
                    {
                        return;
                    }
                    batch = _pending;
                    _pending = _sending;
                    _sending = batch;
                }
                var memory = batch.Memory;
                while (!memory.IsEmpty)
                {
                    var sent = await socket.SendAsync(memory, SocketFlags.None).ConfigureAwait(false);
                    memory = memory[sent..];
                }
                batch.Clear();
            }
        }
        catch (Exception e)
        {
            Fail(generation, e is SocketException se ? SocketErrors.Describe(se.SocketErrorCode) : "Connection reset by peer");
        }
    }

    private async Task ReadLoopAsync(Socket socket, int generation)
    {
        var buffer = new ByteBuffer();
        var start = 0;
        var scan = 0;
        string failure;
        try
        {
            while (true)
            {
                // Keep unframed bytes at the front; grow only when a single reply needs it.
                if (start > 0)
                {
                    buffer.DiscardFront(start);
                    start = 0;
                }
                var memory = buffer.GetMemory(16 * 1024);
                var n = await socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    failure = "unknown";
                    break;
                }
                buffer.Advance(n);
                bool ok;
                CompletionBatch.Begin();
                try
                {
                    ok = DeliverReplies(buffer, ref start, ref scan, generation, out failure);
                }
                finally
                {
                    CompletionBatch.End();
                }
                if (!ok)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            failure = e is SocketException se ? SocketErrors.Describe(se.SocketErrorCode) : "Connection reset by peer";
        }
        Fail(generation, failure);
    }

    /// <summary>
    /// Frames every complete reply in the buffer and completes the matching requests in FIFO
    /// order. Peek, frame and dequeue happen under one lock acquisition per reply: framing only
    /// scans headers (it skips over value bytes), so the lock stays short.
    /// </summary>
    private bool DeliverReplies(ByteBuffer buffer, ref int start, ref int scan, int generation, out string failure)
    {
        failure = "";
        while (start < buffer.Length)
        {
            var data = buffer.Span[start..];
            BackendRequest? head;
            int length;
            lock (_lock)
            {
                if (_generation != generation)
                {
                    return false;
                }
                if (!_inflight.TryPeek(out head))
                {
                    length = -1; // bytes with no request waiting: the stream is out of step
                }
                else
                {
                    length = head.TryFrame(data, ref scan);
                    if (length > 0)
                    {
                        _inflight.Dequeue();
                    }
                }
            }
            if (length == 0)
            {
                return true;
            }
            if (length < 0)
            {
                failure = "Invalid argument";
                _logger.LogWarning("pool {Pool} server {Server}: {Problem}; closing", _server.Pool.Name, _server.Name,
                    head is null ? "reply with no request in flight" : "reply out of step with requests");
                return false;
            }
            scan = 0;
            head!.OnReply(data[..length]);
            start += length;
        }
        return true;
    }

    /// <summary>Fails every request older than the timeout by tearing down the connection.</summary>
    public void CheckTimeout(long now, int timeoutMs)
    {
        int generation;
        lock (_lock)
        {
            if (!_inflight.TryPeek(out var head) || now - head.EnqueuedAt < timeoutMs)
            {
                return;
            }
            generation = _generation;
        }
        _logger.LogWarning("pool {Pool} server {Server}: request timed out after {Timeout} ms", _server.Pool.Name, _server.Name, timeoutMs);
        Fail(generation, "Connection timed out");
    }

    private void Fail(int generation, string reason)
    {
        BackendRequest[] failed;
        AsyncSignal signal;
        lock (_lock)
        {
            if (_generation != generation)
            {
                return;
            }
            _generation++;
            _connected = false;
            _connecting = false;
            _socket?.Dispose();
            _socket = null;
            failed = _inflight.ToArray();
            _inflight.Clear();
            _pending.Clear();
            signal = _writeSignal;
        }
        // Wake the old write loop so it sees the new generation and exits.
        signal.Set();
        CompletionBatch.Begin();
        try
        {
            foreach (var request in failed)
            {
                request.OnFailure(reason);
            }
        }
        finally
        {
            CompletionBatch.End();
        }
    }

    /// <summary>No request waits for a reply and no bytes wait to be sent (a removed server may be closed).</summary>
    public bool IsIdle
    {
        get
        {
            lock (_lock)
            {
                return _inflight.Count == 0 && _pending.Length == 0;
            }
        }
    }

    public void Close()
    {
        int generation;
        lock (_lock)
        {
            generation = _generation;
        }
        Fail(generation, "Connection closed by proxy");
    }
}
