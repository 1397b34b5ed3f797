using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sharpcracker.Common;
using Sharpcracker.Common.Interop;
using Sharpcracker.Engine.Tls;

namespace Sharpcracker.Engine;

/// <summary>
/// The protocol-independent half of one client connection (memcached and Redis sessions derive
/// from it), owned by one worker. A readable socket gets one receive into the worker's scratch
/// buffer; <see cref="Process"/> parses the complete requests, appends each to this session's
/// reply queue (request order) and copies its bytes once into the chosen server connection's
/// output. Requests complete in any order as replies arrive; at the end of the loop pass the
/// session writes finished requests strictly from the head of its queue into the worker's send
/// buffer and hands them to the socket in one send, so replies keep request order across servers.
/// <para>Limits (docs/operations.md): at most <see cref="MaxQueued"/> requests outstanding; a
/// server connection at server_inflight_limit pauses reading; reply bytes held for the client are
/// bounded by client_output_limit; draining (shutdown or pool removal) stops reading.</para>
/// <para>Memory: an idle session holds no buffer. Unparsed bytes (a partial request) and bytes
/// the socket did not take are the only ones kept per client, and only while they exist.</para>
/// <para>State: a <see cref="ClientPhase"/> (which only moves forward), a <see cref="ClientPause"/>
/// (only while Reading) and a <see cref="ClientEnding"/>; <see cref="ShouldClose"/> is the close
/// rule over them. Every entry point runs on the owning worker's thread (asserted in Debug).</para>
/// </summary>
internal abstract partial class ClientSession<TRequest> : IClientConnection, IEventHandler, IFlushable
    where TRequest : ClientRequest<TRequest>
{
    /// <summary>Requests a client may have outstanding before the proxy stops reading from it.</summary>
    private const int MaxQueued = 8192;
    /// <summary>Replies are handed to the socket after this many assembled bytes.</summary>
    private const int FlushChunkBytes = 256 * 1024;
    /// <summary>An emptied input or output buffer keeps its array up to this size; larger ones go back to the pool.</summary>
    private const int KeptBufferBytes = 16 * 1024;

    private readonly IPool _pool;
    protected readonly long _id;
    protected readonly ILogger _logger;
    private readonly Worker _worker;
    private readonly Socket _socket;
    private readonly int _fd;
    private readonly long _outputLimit;
    private int _slot = -1;
    private uint _interest;
    private readonly Queue<TRequest> _queue = new();
    private readonly Stack<TRequest> _free = new();
    private ByteBuffer? _input;      // unparsed bytes carried to the next read; null while none
    // Reply bytes ready for the socket, in request order; its array is rented only while it holds bytes.
    private readonly ByteBuffer _out = new();
    private int _outStart;           // bytes at the front of _out the socket already took
    private long _held;              // reply bytes held for this client (client_output_limit)
    private ServerConnection? _saturated; // reached server_inflight_limit while processing
    private ClientPhase _phase;
    private ClientPause _pause;      // None unless _phase is Reading
    private ClientEnding _ending;     // how the close is counted; the last cause set wins
    // The two flags below are orthogonal to the phase, so they stay booleans: the socket may
    // refuse output in any phase before Aborted, and any phase may be queued for this pass's flush.
    private bool _outputBlocked;     // the socket did not take everything: wait for EPOLLOUT
    private bool _dirty;             // queued for this pass's Flush (Worker.MarkDirty); cleared when it runs

    protected ClientSession(IPool pool, Worker worker, Socket socket, long id, ILogger logger)
    {
        _pool = pool;
        _worker = worker;
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _id = id;
        _logger = logger;
        _outputLimit = pool.Config.ClientOutputLimit;
        _tlsConfig = pool.Config.Tls; // the config current at accept: a reload does not change a session's TLS
        _tls = _tlsConfig is null ? null : new Tls.TlsTransport(socket, server: true);
        _phase = _tls is null ? ClientPhase.Reading : ClientPhase.Handshaking;
    }

    public Worker Worker => _worker;

    public long Id => _id;

    /// <summary>The client's socket (its addresses, for CLIENT LIST); I/O on it is this class's alone.</summary>
    protected Socket Socket => _socket;

    /// <summary>The client's descriptor number (CLIENT LIST's fd).</summary>
    protected int Fd => _fd;

    /// <summary>Aborted or closed: replies still arriving for this session's requests are dropped.</summary>
    public bool IsAborted => _phase >= ClientPhase.Aborted;

    /// <summary>The session's phase (tests and diagnostics).</summary>
    internal ClientPhase Phase => _phase;

    /// <summary>Why the session does not read now (tests and diagnostics).</summary>
    internal ClientPause Pause => _pause;

    /// <summary>Reads from the socket now: handshaking or reading, and not paused.</summary>
    private bool ReadsNow => _phase <= ClientPhase.Reading && _pause == ClientPause.None;

    /// <summary>Worker thread: starts reading.</summary>
    public void Start()
    {
        AssertOnWorker();
        Debug.Assert(_slot < 0 && _phase <= ClientPhase.Reading, "a session starts once");
        _interest = Libc.EpollIn;
        _slot = _worker.Register(_fd, this, _interest);
        if (_tls is not null)
        {
            StartTls();
        }
    }

    protected enum Progress
    {
        NeedMore,
        Paused,
        Stop,
        /// <summary>The last command blocks on its server: nothing more is parsed until RequestResume (<see cref="ClientPause.Blocked"/>).</summary>
        Blocked,
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
    protected abstract bool WriteReply(ByteBuffer output, TRequest request);

    /// <summary>Too many requests outstanding: Process should return Paused before taking another.</summary>
    protected bool QueueFull => _queue.Count >= MaxQueued;

    /// <summary>Requests queued and not yet written to the client (in flight, or finished behind an earlier one).</summary>
    protected int QueuedCount => _queue.Count;

    /// <summary>A server connection reached server_inflight_limit: Process should return Paused.</summary>
    protected bool Saturated => _saturated is not null;

    public void OnEvents(uint events)
    {
        AssertOnWorker();
        try
        {
            HandleEvents(events);
        }
        catch (Exception e)
        {
            Crashed(e);
        }
    }

    /// <summary>A bug must cost one client, never the worker: log it and close this client.</summary>
    private void Crashed(Exception e)
    {
        _logger.ClientInternalError(e, _pool.Name, _id);
        _ending = ClientEnding.Error;
        Close();
    }

    private void HandleEvents(uint events)
    {
        if (_phase >= ClientPhase.Aborted)
        {
            return; // closes at the end of this pass: nothing more is read or written
        }
        if ((events & Libc.EpollOut) != 0 && _outputBlocked)
        {
            SendOut();
            MarkDirty(); // more finished replies may be waiting behind the ones just sent
        }
        if ((events & (Libc.EpollIn | Libc.EpollErr | Libc.EpollHup | Libc.EpollRdHup)) == 0 || _phase >= ClientPhase.Aborted)
        {
            return;
        }
        if (!ReadsNow)
        {
            // Not reading, yet the socket reports an error or hang-up (or, blocked, that the client
            // closed its side, which redis-server treats as a close): nothing more can be written.
            if ((events & (Libc.EpollErr | Libc.EpollHup)) != 0 || (_pause == ClientPause.Blocked && (events & Libc.EpollRdHup) != 0))
            {
                _ending = ClientEnding.Error;
                Abort();
            }
            return;
        }
        Read();
        if (_tls is not null)
        {
            AfterTlsRead();
        }
    }

    private void Read()
    {
        if (_input is { Length: > 0 } input)
        {
            // A partial request is pending: read after it.
            var n = Receive(input.GetSpan(16 * 1024), out var error);
            if (!Received(n, error))
            {
                return;
            }
            input.Advance(n);
            ProcessBuffered(input);
        }
        else
        {
            var scratch = _worker.ReceiveBuffer;
            var n = Receive(scratch, out var error);
            if (!Received(n, error))
            {
                return;
            }
            var consumed = ProcessInput(scratch.AsMemory(0, n));
            if (consumed < n && _phase == ClientPhase.Reading)
            {
                (_input ??= new ByteBuffer()).Write(scratch.AsSpan(consumed, n - consumed));
            }
        }
        UpdateInterest();
    }

    /// <summary>False when there is nothing to process: no data yet, the client closed, or an error.</summary>
    private bool Received(int n, SocketError error)
    {
        if (error == SocketError.WouldBlock)
        {
            return false;
        }
        if (error != SocketError.Success)
        {
            _ending = ClientEnding.Error; // reset or error: client_err, as twemproxy counts it
            Abort();
            return false;
        }
        if (n > 0)
        {
            return true;
        }
        // The client closed its side: every request already received is still answered.
        Debug.Assert(_pause == ClientPause.None, "a paused session does not read");
        EnterPhase(ClientPhase.ReadStopped);
        _input?.Release(); // only a partial request can be left
        UpdateInterest();
        MarkDirty();
        return false;
    }

    /// <summary>Runs the protocol over <paramref name="data"/>; returns the bytes consumed.</summary>
    private int ProcessInput(ReadOnlyMemory<byte> data)
    {
        Debug.Assert(_phase == ClientPhase.Reading && _pause == ClientPause.None, "only a reading session parses");
        var buffer = new ReadOnlySequence<byte>(data);
        var progress = Process(ref buffer);
        var consumed = data.Length - (int)buffer.Length;
        if (_phase != ClientPhase.Reading)
        {
            // Aborted while parsing (a local reply over client_output_limit): nothing more is parsed.
            Debug.Assert(_phase == ClientPhase.Aborted, $"Process left the session {_phase}");
            consumed = data.Length;
        }
        else if (progress == Progress.Paused)
        {
            if (_saturated is { } saturated)
            {
                // Back-pressure: resumed when the connection drains below its low-water mark
                // (WaitForRoom calls RequestResume at once if it already has room).
                _pause = ClientPause.ServerSaturated;
                saturated.WaitForRoom(this);
            }
            else
            {
                _pause = ClientPause.Queue;
            }
        }
        else if (progress == Progress.Blocked)
        {
            _pause = ClientPause.Blocked;
        }
        else if (progress == Progress.Stop)
        {
            EnterPhase(ClientPhase.ReadStopped);
            consumed = data.Length; // nothing after a quit or a fatal error is read
        }
        _saturated = null;
        return consumed;
    }

    /// <summary>
    /// A server connection this session waits on has room again (or failed): the session resumes
    /// at the start of this pass's flush, whatever the pause (the parser pauses it again where it
    /// must). Late calls (the session drained, aborted or closed since) change nothing but that flush.
    /// </summary>
    public void RequestResume()
    {
        AssertOnWorker();
        if (_pause != ClientPause.None)
        {
            _pause = ClientPause.ResumeDue;
        }
        MarkDirty();
    }

    /// <summary>Processes the requests a pause left in the input, then reads again.</summary>
    private void Resume()
    {
        Debug.Assert(_phase == ClientPhase.Reading && _pause is (ClientPause.Queue or ClientPause.ResumeDue),
            $"resume from {_phase}/{_pause}");
        _pause = ClientPause.None;
        if (_input is { Length: > 0 } input)
        {
            ProcessBuffered(input);
        }
        UpdateInterest();
        if (_tls is not null)
        {
            AfterTlsRead();
        }
    }

    /// <summary>Processes the session's own input buffer and keeps only what is left unparsed.</summary>
    private void ProcessBuffered(ByteBuffer input)
    {
        input.DiscardFront(ProcessInput(input.Memory));
        if (_phase != ClientPhase.Reading)
        {
            input.Release();
        }
        else if (input.Length == 0)
        {
            input.ClearKeepingSmall(KeptBufferBytes);
        }
    }

    private void UpdateInterest()
    {
        if (_phase >= ClientPhase.Aborted)
        {
            return; // unregistered at the end of this pass (or already)
        }
        var interest = (ReadsNow ? Libc.EpollIn : _pause == ClientPause.Blocked ? Libc.EpollRdHup : 0) | (_outputBlocked ? Libc.EpollOut : 0);
        if (interest != _interest)
        {
            _interest = interest;
            _worker.Modify(_slot, _fd, interest);
        }
    }

    private void MarkDirty()
    {
        if (!_dirty && _phase != ClientPhase.Closed)
        {
            _dirty = true;
            _worker.MarkDirty(this);
        }
    }

    /// <summary>A request of this session finished (its reply is complete, or it failed).</summary>
    public void OnRequestDone()
    {
        AssertOnWorker();
        MarkDirty();
    }

    /// <summary>Any reply bytes stored for this client. Disconnects a client over client_output_limit.</summary>
    public void CountReplyBytes(int bytes)
    {
        AssertOnWorker();
        _held += bytes;
        if (_held > _outputLimit && _phase < ClientPhase.Aborted)
        {
            _logger.ClientOutputLimitExceeded(_pool.Name, _id, _outputLimit);
            _ending = ClientEnding.Error;
            Abort();
        }
    }

    /// <summary>Closes the session at the end of this pass; nothing more is read or written. The caller sets <see cref="_ending"/> first where it is an error.</summary>
    public void Abort()
    {
        AssertOnWorker();
        if (_phase < ClientPhase.Aborted)
        {
            EnterPhase(ClientPhase.Aborted);
            _pause = ClientPause.None;
        }
        MarkDirty();
    }

    public void BeginDrain()
    {
        AssertOnWorker();
        if (_phase >= ClientPhase.Aborted)
        {
            return; // closes at the end of this pass anyway
        }
        _pause = ClientPause.None; // the requests a pause left unparsed are dropped with the input
        if (_phase <= ClientPhase.Reading)
        {
            EnterPhase(ClientPhase.ReadStopped);
        }
        _input?.Release();
        UpdateInterest();
        MarkDirty();
    }

    /// <summary>End of the loop pass: resume if asked, write finished replies in order, close when done.</summary>
    public void Flush()
    {
        AssertOnWorker();
        try
        {
            FlushReplies();
        }
        catch (Exception e)
        {
            Crashed(e);
        }
    }

    private void FlushReplies()
    {
        _dirty = false;
        if (_phase == ClientPhase.Closed)
        {
            return;
        }
        if (_pause == ClientPause.ResumeDue)
        {
            Resume();
        }
        while (_phase < ClientPhase.Aborted && !_outputBlocked)
        {
            AppendFinished();
            if (!SendOut() || _phase == ClientPhase.Closing || !_queue.TryPeek(out var next) || !next.IsDone)
            {
                break; // a chunk at a time: more finished replies wait behind a full one
            }
        }
        if (_pause is (ClientPause.Queue or ClientPause.ResumeDue) && _queue.Count < MaxQueued / 2)
        {
            Resume();
            if (!_dirty && _queue.Count > 0 && _queue.Peek().IsDone)
            {
                MarkDirty();
            }
        }
        if (ShouldClose)
        {
            Close();
        }
    }

    /// <summary>
    /// The close rule, checked at the end of every flush: an aborted session closes at once; after
    /// a quit, once its reply is sent; after reads stopped, once every reply owed is sent.
    /// </summary>
    private bool ShouldClose => _phase switch
    {
        ClientPhase.Aborted => true,
        ClientPhase.Closing => !HasOutput,
        ClientPhase.ReadStopped => _queue.Count == 0 && !HasOutput,
        _ => false,
    };

    private bool HasOutput => _out.Length > _outStart || _tls is { HasPendingOutput: true };

    /// <summary>
    /// A request completing with <paramref name="reply"/>: when it is the head of the queue and
    /// its reply passes through unchanged, the bytes go straight into the output (copied once,
    /// backend receive buffer → client output) instead of into the request's own buffer.
    /// </summary>
    public bool TryWriteDirect(TRequest request, ReadOnlySpan<byte> reply)
    {
        AssertOnWorker();
        if (_phase >= ClientPhase.Closing || !_queue.TryPeek(out var head) || head != request || !PassesThrough(request))
        {
            return false;
        }
        _queue.Dequeue();
        _out.Write(reply);
        Recycle(request);
        CountReplyBytes(reply.Length);
        MarkDirty();
        return true;
    }

    /// <summary>Whether a request's reply is written to the client exactly as the server sent it (see <see cref="TryWriteDirect"/>).</summary>
    protected abstract bool PassesThrough(TRequest request);

    /// <summary>Writes finished requests from the head of the queue into the output, up to a chunk.</summary>
    private void AppendFinished()
    {
        var before = _out.Length;
        long released = 0;
        while (_out.Length - _outStart < FlushChunkBytes && _queue.TryPeek(out var request) && request.IsDone)
        {
            _queue.Dequeue();
            released += HeldBytes(request);
            if (IsQuit(request))
            {
                _out.Write(request.Reply.Span);
                Recycle(request);
                EnterPhase(ClientPhase.Closing);
                break;
            }
            WriteReply(_out, request);
            Recycle(request);
        }
        // Held bytes move from the requests' buffers to the output (merges may change the count).
        _held += _out.Length - before - released;
    }

    /// <summary>Sends the output; true when the socket took all of it.</summary>
    private bool SendOut()
    {
        if (!HasOutput)
        {
            return true;
        }
        var sent = _tls is null
            ? _socket.Send(_out.Span[_outStart..], SocketFlags.None, out var error)
            : _tls.Send(_out.Memory[_outStart..], out error); // one encrypted write of the whole batch
        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            // A client that reset while replies were written closed on us: client_eof.
            _ending = error is SocketError.ConnectionReset or SocketError.Shutdown ? ClientEnding.Eof : ClientEnding.Error;
            Abort();
            return false;
        }
        sent = Math.Max(0, sent);
        _outStart += sent;
        _held -= sent;
        var all = _outStart == _out.Length;
        if (all)
        {
            all = _tls is not { HasPendingOutput: true }; // ciphertext the socket did not take yet
            // A small array stays with the client: hundreds of clients completing in one pass
            // would otherwise outrun the shared pool's per-thread cache and allocate.
            _out.ClearKeepingSmall(KeptBufferBytes);
            _outStart = 0;
        }
        else if (_outStart >= 64 * 1024)
        {
            _out.DiscardFront(_outStart);
            _outStart = 0;
        }
        if (_outputBlocked != !all)
        {
            _outputBlocked = !all;
            UpdateInterest();
        }
        return all;
    }

    private void Close()
    {
        if (_phase == ClientPhase.Closed)
        {
            return;
        }
        EnterPhase(ClientPhase.Closed); // requests still in flight will not store their replies
        _pause = ClientPause.None;
        if (_slot >= 0)
        {
            _worker.Unregister(_slot, _fd);
            _slot = -1;
        }
        _tls?.Dispose();
        _socket.Dispose();
        _input?.Release();
        _out.Release();
        OnClosed();
        _worker.ClientClosed();
        _pool.ClientClosed(_id, _ending);
    }

    /// <summary>
    /// The client's socket is closed: a protocol gives back (or closes) what it held for the client
    /// alone, such as dedicated server connections and subscriptions. Requests still in flight
    /// complete later and are dropped (<see cref="IsAborted"/>).
    /// </summary>
    protected virtual void OnClosed()
    {
    }

    /// <summary>Moves the session forward; see <see cref="ClientPhase"/> for the allowed moves.</summary>
    private void EnterPhase(ClientPhase next)
    {
        Debug.Assert(next switch
        {
            ClientPhase.Reading => _phase == ClientPhase.Handshaking,
            ClientPhase.ReadStopped => _phase <= ClientPhase.Reading,
            ClientPhase.Closing => _phase == ClientPhase.ReadStopped, // a quit stops reading when it is parsed
            ClientPhase.Aborted => _phase < ClientPhase.Aborted,
            ClientPhase.Closed => _phase < ClientPhase.Closed,
            _ => false,
        }, $"client phase {_phase} -> {next}");
        Debug.Assert(next <= ClientPhase.Reading || _pause == ClientPause.None || next >= ClientPhase.Aborted,
            "a session pauses only while it reads");
        _phase = next;
    }

    /// <summary>Every entry point runs on the owning worker's thread: the session's state is unlocked.</summary>
    [Conditional("DEBUG")]
    private void AssertOnWorker()
        => Debug.Assert(_worker.IsCurrentThread, $"client {_id} used off its worker's thread");

    /// <summary>Reply bytes a finished request holds (counted in <see cref="_held"/>).</summary>
    private static long HeldBytes(TRequest request)
    {
        long bytes = request.Reply.Length;
        foreach (var fragment in request.Fragments)
        {
            bytes += fragment.Reply.Length;
        }
        return bytes;
    }

    protected TRequest RentRequest() => _free.TryPop(out var free) ? free : NewRequest();

    /// <summary>A request built but never queued goes straight back to the free stack.</summary>
    protected void RecycleUnsent(TRequest request) => Recycle(request);

    private void Recycle(TRequest request)
    {
        foreach (var fragment in request.Fragments)
        {
            fragment.Reset();
            _free.Push(fragment);
        }
        request.Reset();
        _free.Push(request);
    }

    protected void Enqueue(TRequest request) => _queue.Enqueue(request);

    /// <summary>Queues a request the proxy has answered itself (its Reply is complete; may be empty).</summary>
    protected void EnqueueDone(TRequest request)
    {
        CountReplyBytes(request.Reply.Length);
        Enqueue(request);
        request.MarkDoneLocally();
    }

    /// <summary>The worker's connection to <paramref name="server"/> for this client.</summary>
    protected ServerConnection ConnectionTo(PoolServer server) => server.ConnectionFor(_worker, _id);

    /// <summary>The worker's connection of <paramref name="dialect"/> to <paramref name="server"/> for this client.</summary>
    protected ServerConnection ConnectionTo(PoolServer server, ServerDialect dialect) => server.ConnectionFor(_worker, _id, dialect);

    /// <summary>
    /// Queues <paramref name="request"/> on <paramref name="connection"/>, its bytes written by
    /// <paramref name="writer"/> (<see cref="ServerConnection.Enqueue{TWriter}"/>); a connection that
    /// reached server_inflight_limit pauses this client.
    /// </summary>
    protected void ForwardTo<TWriter>(ServerConnection connection, ServerRequest request, scoped in TWriter writer)
        where TWriter : IRequestWriter<TWriter>, allows ref struct
    {
        if (connection.Enqueue(request, in writer))
        {
            _saturated ??= connection;
        }
    }
}
