using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;

namespace Sharpcracker.Proxy;

/// <summary>
/// The protocol-independent half of one client connection (memcached and Redis sessions derive
/// from it). The read loop hands received bytes to <see cref="Process"/>, which parses complete
/// requests, appends each to this session's reply queue (request order) and copies its bytes once
/// into the chosen server connection's send buffer; after each read every touched server
/// connection is flushed once. Server threads complete requests in any order; the write loop
/// writes finished requests strictly from the head of the queue, so replies keep request order
/// across servers, and flushes once per batch.
/// <para>Limits (docs/operations.md): at most <see cref="MaxQueued"/> requests outstanding; a
/// server connection at server_inflight_limit pauses reading; reply bytes held for the client
/// are bounded by client_output_limit; draining (shutdown or abort) stops reading.</para>
/// </summary>
internal abstract class ClientSession<TRequest> : INotifiable
    where TRequest : ClientRequest<TRequest>
{
    /// <summary>Requests a client may have outstanding before the proxy stops reading from it.</summary>
    private const int MaxQueued = 8192;
    /// <summary>The write loop flushes (and waits for the socket) after this many reply bytes.</summary>
    private const int FlushChunkBytes = 256 * 1024;

    protected readonly ServerPool _pool;
    protected readonly IDuplexPipe _transport;
    protected readonly long _id;
    protected readonly ILogger _logger;
    /// <summary>Per topology server index, the child serving it while a split request is built (-1: none). Read loop only.</summary>
    protected int[] _serverChild;
    private readonly Queue<TRequest> _queue = new();
    // Request recycling without a lock per request: the read loop rents from _readerFree (its
    // own); the write loop collects released requests in _writerReleased (its own) and hands
    // them over through _returned under one lock per write batch.
    private readonly Stack<TRequest> _readerFree = new();
    private readonly List<TRequest> _writerReleased = [];
    private readonly List<TRequest> _returned = [];
    private volatile int _queueCount; // _queue.Count, written under the queue lock
    private readonly AsyncSignal _writerSignal = new(runInline: true);
    private readonly List<ServerConnection> _touched = [];
    private readonly AsyncSignal _readerSignal = new();
    private readonly ClientOutputBudget _outputBudget;
    private volatile bool _readerDone;
    private volatile bool _writerDone;
    private ServerConnection? _saturated; // reached server_inflight_limit in this read; read loop only
    private volatile bool _draining;
    private int _aborted;

    protected ClientSession(ServerPool pool, IDuplexPipe transport, long id, ILogger logger)
    {
        _pool = pool;
        _transport = transport;
        _id = id;
        _logger = logger;
        _serverChild = new int[pool.Servers.Count];
        Array.Fill(_serverChild, -1);
        _outputBudget = new ClientOutputBudget(pool.Config.ClientOutputLimit);
    }

    /// <summary>Closes the client's socket at once (set by the listener; Kestrel's ConnectionContext.Abort).</summary>
    public Action? AbortConnection { get; set; }

    public bool IsAborted => Volatile.Read(ref _aborted) != 0;

    /// <summary>
    /// Graceful shutdown: stop reading requests; the write loop still writes every reply already
    /// owed, then the session ends and the connection closes.
    /// </summary>
    public void BeginDrain()
    {
        _draining = true;
        _transport.Input.CancelPendingRead();
    }

    /// <summary>Any thread that stored reply bytes for this client. Disconnects a client over client_output_limit.</summary>
    public void CountReplyBytes(int bytes)
    {
        if (_outputBudget.Add(bytes))
        {
            _logger.LogWarning("pool {Pool}: client {Client} left more than {Limit} reply bytes unread; closing it",
                _pool.Name, _id, _pool.Config.ClientOutputLimit);
            Abort();
        }
    }

    private void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }
        _draining = true;
        _transport.Input.CancelPendingRead();
        _transport.Output.CancelPendingFlush();
        AbortConnection?.Invoke();
    }

    public async Task RunAsync()
    {
        var writer = WriteLoopAsync();
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        finally
        {
            _readerDone = true;
            _writerSignal.Set();
        }
        await writer.ConfigureAwait(false);
    }

    /// <summary>Called (via <see cref="CompletionBatch"/>) by whichever thread completed requests of this session.</summary>
    public void Notify() => _writerSignal.Set();

    protected enum Progress
    {
        NeedMore,
        Paused,
        Stop,
    }

    /// <summary>
    /// Parses and dispatches the complete requests at the start of <paramref name="buffer"/>,
    /// slicing off what it consumed. Paused: complete requests remain (queue full or a server
    /// connection saturated); Stop: the client is to be closed after the replies owed.
    /// </summary>
    protected abstract Progress Process(ref ReadOnlySequence<byte> buffer);

    /// <summary>A fresh request object for the free list to hand out.</summary>
    protected abstract TRequest NewRequest();

    /// <summary>A request after which the connection closes (its Reply, if any, written first).</summary>
    protected abstract bool IsQuit(TRequest request);

    /// <summary>Writes a finished request's reply; false when nothing was written (noreply).</summary>
    protected abstract bool WriteReply(PipeWriter output, TRequest request);

    /// <summary>Too many requests outstanding: Process should return Paused before taking another.</summary>
    protected bool QueueFull => _queueCount >= MaxQueued;

    /// <summary>A server connection reached server_inflight_limit in this read: Process should return Paused.</summary>
    protected bool Saturated => _saturated is not null;

    private async Task ReadLoopAsync()
    {
        var input = _transport.Input;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            if (_draining)
            {
                input.AdvanceTo(buffer.Start);
                return;
            }
            Progress progress;
            CompletionBatch.Begin();
            try
            {
                progress = Process(ref buffer);
                // One send per server for everything this read produced.
                foreach (var connection in _touched)
                {
                    connection.Flush();
                }
                _touched.Clear();
            }
            finally
            {
                CompletionBatch.End();
            }
            if (progress == Progress.Stop)
            {
                input.AdvanceTo(buffer.Start);
                return;
            }
            // Paused: complete requests remain, so do not mark them examined.
            input.AdvanceTo(buffer.Start, progress == Progress.Paused ? buffer.Start : buffer.End);
            // A client that half-closed after a long pipeline still gets every request served:
            // when paused, the rest is read again (with IsCompleted) once there is room.
            if ((result.IsCompleted || result.IsCanceled) && progress != Progress.Paused)
            {
                return;
            }
            if (_saturated is { } saturated)
            {
                // Back-pressure: a server connection is at server_inflight_limit.
                _saturated = null;
                await saturated.WaitForRoomAsync().ConfigureAwait(false);
            }
            while (_queueCount >= MaxQueued)
            {
                if (_writerDone || _draining)
                {
                    return;
                }
                await _readerSignal.WaitAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Read loop only.</summary>
    protected TRequest RentRequest()
    {
        if (_readerFree.Count == 0)
        {
            lock (_returned)
            {
                foreach (var r in _returned)
                {
                    _readerFree.Push(r);
                }
                _returned.Clear();
            }
        }
        return _readerFree.TryPop(out var free) ? free : NewRequest();
    }

    /// <summary>Read loop: a request built but never queued goes straight back to the free stack.</summary>
    protected void RecycleUnsent(TRequest request)
    {
        foreach (var child in request.Children)
        {
            child.Reset();
            _readerFree.Push(child);
        }
        request.Reset();
        _readerFree.Push(request);
    }

    /// <summary>Recycles a request and its parts into <paramref name="into"/>, which the calling loop owns.</summary>
    private static void Recycle(TRequest request, ICollection<TRequest> into)
    {
        foreach (var child in request.Children)
        {
            child.Reset();
            into.Add(child);
        }
        request.Reset();
        into.Add(request);
    }

    /// <summary>Write loop: hands the requests it released back to the read loop, one lock per batch.</summary>
    private void ReturnReleased()
    {
        if (_writerReleased.Count == 0)
        {
            return;
        }
        lock (_returned)
        {
            _returned.AddRange(_writerReleased);
        }
        _writerReleased.Clear();
    }

    protected void Enqueue(TRequest request)
    {
        lock (_queue)
        {
            _queue.Enqueue(request);
            _queueCount = _queue.Count;
        }
    }

    /// <summary>Queues a request the proxy has answered itself (its Reply is complete; may be empty).</summary>
    protected void EnqueueDone(TRequest request)
    {
        CountReplyBytes(request.Reply.Length);
        Enqueue(request);
        request.MarkDoneLocally();
    }

    /// <summary>
    /// Queues a request whose bytes were just appended to <paramref name="connection"/> and
    /// remembers the connection for this read's flush (and for back-pressure).
    /// </summary>
    protected void Commit(ServerConnection connection, BackendRequest request)
    {
        if (connection.Commit(request))
        {
            _saturated ??= connection;
        }
        foreach (var c in _touched)
        {
            if (c == connection)
            {
                return;
            }
        }
        _touched.Add(connection);
    }

    private async Task WriteLoopAsync()
    {
        var output = _transport.Output;
        try
        {
            while (true)
            {
                await _writerSignal.WaitAsync().ConfigureAwait(false);
                if (IsAborted)
                {
                    return;
                }
                var wrote = false;
                long unflushed = 0;
                while (TryTakeFinished(out var request))
                {
                    if (IsQuit(request))
                    {
                        output.Write(request.Reply.Span);
                        await output.FlushAsync().ConfigureAwait(false);
                        return;
                    }
                    wrote |= WriteReply(output, request);
                    unflushed += HeldBytes(request);
                    Recycle(request, _writerReleased);
                    if (unflushed >= FlushChunkBytes)
                    {
                        // Large replies: hand them to the socket in chunks, waiting for it, so
                        // the output pipe stays small however much is finished.
                        ReturnReleased();
                        _outputBudget.Release(unflushed);
                        unflushed = 0;
                        wrote = false;
                        var chunk = await output.FlushAsync().ConfigureAwait(false);
                        if (chunk.IsCompleted || chunk.IsCanceled)
                        {
                            return;
                        }
                    }
                }
                _outputBudget.Release(unflushed);
                ReturnReleased();
                _readerSignal.Set();
                if (wrote)
                {
                    var flush = await output.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        return;
                    }
                }
                if (_readerDone && _queueCount == 0)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            _logger.LogDebug("pool {Pool}: client {Client} write failed: {Message}", _pool.Name, _id, e.Message);
        }
        finally
        {
            _writerDone = true;
            _readerSignal.Set();
        }
    }

    /// <summary>Reply bytes a finished request holds (counted in <see cref="_outputBudget"/>).</summary>
    private static long HeldBytes(TRequest request)
    {
        long bytes = request.Reply.Length;
        foreach (var child in request.Children)
        {
            bytes += child.Reply.Length;
        }
        return bytes;
    }

    private bool TryTakeFinished(out TRequest request)
    {
        lock (_queue)
        {
            if (_queue.TryPeek(out request!) && request.IsDone)
            {
                _queue.Dequeue();
                _queueCount = _queue.Count;
                return true;
            }
        }
        return false;
    }
}
