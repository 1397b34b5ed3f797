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
    // Back-pressure (server_inflight_limit): callers pause once the FIFO reaches the limit and
    // are released together when it drains below the low-water mark or the connection fails.
    private readonly int _inflightLimit;
    private readonly int _inflightLowWater;
    private TaskCompletionSource? _roomWaiters; // under _lock; allocated only when saturated
    private readonly Stats.ConnectionStats _stats; // every call is made under _lock

    public ServerConnection(BackendServer server, ILogger logger, int inflightLimit)
    {
        _server = server;
        _logger = logger;
        _inflightLimit = Math.Max(1, inflightLimit);
        _inflightLowWater = _inflightLimit - Math.Max(1, _inflightLimit / 4);
        _stats = server.Stats.AddConnection();
    }

    /// <summary>
    /// Takes the connection's lock and returns the buffer to append one request's bytes to.
    /// Must be followed by <see cref="Commit"/> on the same thread.
    /// </summary>
    public ByteBuffer BeginRequest()
    {
        Monitor.Enter(_lock);
        _stats.BeginRequest(_pending.Length);
        return _pending;
    }

    /// <summary>
    /// Queues the request whose bytes were just appended and releases the lock. The caller calls
    /// <see cref="Flush"/> once after its whole batch, so one send carries the batch.
    /// When the server is ejected or backing off, the request fails at once with the last error
    /// (no connect attempt). Returns true when the connection has reached server_inflight_limit:
    /// the caller should stop reading its client until <see cref="WaitForRoomAsync"/> completes.
    /// </summary>
    public bool Commit(BackendRequest request)
    {
        var now = Environment.TickCount64;
        string? refused = null;
        var startConnect = false;
        if (!_connected && !_connecting)
        {
            // Not connected and not connecting: Fail emptied the FIFO and the pending buffer, so
            // the pending bytes are this request's alone.
            refused = _server.Health.RefuseConnect(now);
            if (refused is not null)
            {
                _pending.Clear();
            }
            else
            {
                _connecting = true;
                startConnect = true;
            }
        }
        var saturated = false;
        if (refused is null)
        {
            request.EnqueuedAt = now;
            _inflight.Enqueue(request);
            _stats.Committed(request, _pending.Length);
            saturated = _inflight.Count >= _inflightLimit;
        }
        var generation = _generation;
        Monitor.Exit(_lock);
        if (refused is not null)
        {
            // Not forwarded (server backing off or ejected): a forward error, not a server error.
            _server.Stats.Pool.ForwardErrors(1);
            request.OnFailure(refused);
            return false;
        }
        if (startConnect)
        {
            _ = ConnectAsync(generation);
        }
        return saturated;
    }

    /// <summary>Completes when the in-flight FIFO has room again (or the connection failed).</summary>
    public Task WaitForRoomAsync()
    {
        lock (_lock)
        {
            if (_inflight.Count < _inflightLimit)
            {
                return Task.CompletedTask;
            }
            return (_roomWaiters ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Requests waiting for a reply on this connection (for stats; takes the lock).</summary>
    public int InflightCount
    {
        get
        {
            lock (_lock)
            {
                return _inflight.Count;
            }
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
            if (_connected || _connecting || _server.Health.RefuseConnect(Environment.TickCount64) is not null)
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
            // Resolved at every connect, so a DNS change is picked up on reconnect.
            (socket, var endpoint) = await BackendEndpoint.CreateAsync(_server.Config).ConfigureAwait(false);
            lock (_lock)
            {
                if (_generation != generation)
                {
                    socket.Dispose();
                    return;
                }
                _socket = socket; // a timeout during the connect disposes it (Fail)
            }
            await socket.ConnectAsync(endpoint).ConfigureAwait(false);
            if (_server.Pool.Handshake is { } handshake && await RunHandshakeAsync(handshake, socket).ConfigureAwait(false) is { } refused)
            {
                socket.Dispose();
                _logger.LogWarning("pool {Pool} server {Server}: {Reason}", _server.Pool.Name, _server.Name, refused);
                Fail(generation, refused);
                return;
            }
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
            _stats.Connected();
            // Each connection gets its own signal: the old write loop may still be waking up.
            signal = new AsyncSignal(runInline: true);
            _writeSignal = signal;
        }
        _logger.LogDebug("pool {Pool} server {Server}: connected", _server.Pool.Name, _server.Name);
        _ = WriteLoopAsync(socket, signal, generation);
        _ = ReadLoopAsync(socket, generation);
        signal.Set();
    }

    /// <summary>The pool's handshake (Redis AUTH/SELECT), bounded by the pool's timeout or 10 s.</summary>
    private async Task<string?> RunHandshakeAsync(IBackendHandshake handshake, Socket socket)
    {
        using var cts = new CancellationTokenSource(_server.Pool.Config.TimeoutMs is { } t and > 0 ? t : 10_000);
        try
        {
            return await handshake.RunAsync(socket, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return "Connection timed out";
        }
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
                    _stats.Sent();
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
        var delivered = false;
        while (start < buffer.Length)
        {
            var data = buffer.Span[start..];
            BackendRequest? head;
            int length;
            TaskCompletionSource? room = null;
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
                        _stats.Replied(head, length);
                        if (_roomWaiters is not null && _inflight.Count <= _inflightLowWater)
                        {
                            room = _roomWaiters;
                            _roomWaiters = null;
                        }
                    }
                }
            }
            room?.TrySetResult();
            if (length == 0)
            {
                if (delivered)
                {
                    _server.Health.OnReply();
                }
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
            delivered = true;
        }
        if (delivered)
        {
            _server.Health.OnReply();
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

    /// <param name="countsAsFailure">false when the proxy itself closes the connection (shutdown).</param>
    private void Fail(int generation, string reason, bool countsAsFailure = true)
    {
        BackendRequest[] failed;
        AsyncSignal signal;
        TaskCompletionSource? room;
        lock (_lock)
        {
            if (_generation != generation)
            {
                return;
            }
            _generation++;
            _stats.Failed(reason, _inflight.Count);
            _connected = false;
            _connecting = false;
            _socket?.Dispose();
            _socket = null;
            failed = _inflight.ToArray();
            _inflight.Clear();
            _pending.Clear();
            signal = _writeSignal;
            room = _roomWaiters;
            _roomWaiters = null;
        }
        // Wake the old write loop so it sees the new generation and exits.
        signal.Set();
        room?.TrySetResult();
        // Count the failure (back-off, ejection) before clients hear of it and send more.
        if (countsAsFailure)
        {
            _server.ReportFailure(reason);
        }
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
        Fail(generation, Stats.ServerStats.ClosedByProxy, countsAsFailure: false);
    }
}
