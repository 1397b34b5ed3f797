using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sharpcracker.Common.Interop;

namespace Sharpcracker.Engine;

/// <summary>
/// One event-loop thread. It owns every socket registered with it (its clients, its own
/// connections to every server, listeners it accepts for): nothing on the request path is shared
/// with another thread or locked. One pass of the loop:
/// <code>
/// epoll_wait (timeout = nearest timer)
///   → each ready socket: one non-blocking receive, parse/route or frame/complete
///   → inbox (other threads' hand-offs), timers
///   → flush every connection marked dirty in this pass once (one send each)
/// </code>
/// Invariant: every member not documented as "any thread" is called on the worker's own thread.
/// </summary>
internal sealed class Worker : IDisposable
{
    /// <summary>Events taken per epoll_wait; bounds the work between two flushes.</summary>
    private const int MaxEvents = 256;
    /// <summary>How often in-flight requests are checked against their pool's timeout.</summary>
    public const int TimeoutScanMs = 10;
    private const ulong InboxData = ulong.MaxValue;

    private readonly Epoll _epoll = new(MaxEvents);
    private readonly WorkerInbox _inbox = new();
    private readonly ILogger _logger;
    private readonly Thread _thread;
    // Registered handlers by slot; epoll data is (generation << 32 | slot) so an event for a
    // socket closed earlier in the same batch (whose fd may already be reused) is ignored.
    private IEventHandler?[] _handlers = new IEventHandler?[64];
    private uint[] _generations = new uint[64];
    private readonly Stack<int> _freeSlots = new();
    private int _nextSlot;
    private readonly List<IFlushable> _dirty = [];
    private readonly List<ServerConnection> _backends = [];
    // One-shot timers by due time (Environment.TickCount64): the nearest is a peek, however many
    // there are (every TLS connection has one for its handshake deadline).
    private readonly PriorityQueue<Action, long> _timers = new();
    private readonly List<Action> _dueTimers = [];
    private long _nextTimeoutScan;
    private long _now = Environment.TickCount64; // see Now
    private long _timestamp = Stopwatch.GetTimestamp(); // see Timestamp
    private volatile bool _stopping;
    private int _clients;
    private volatile int _ownerThreadId; // the loop's managed thread id while it runs; 0 before and after

    public Worker(int index, ILogger logger)
    {
        Index = index;
        _logger = logger;
        _epoll.Control(Libc.EpollCtlAdd, _inbox.Fd, Libc.EpollIn, InboxData, out _);
        _thread = new Thread(Run) { IsBackground = true, Name = $"sharpcracker-worker-{index}" };
    }

    public int Index { get; }

    /// <summary>Receive scratch for client reads (idle clients then hold no buffer of their own).</summary>
    public byte[] ReceiveBuffer { get; } = new byte[64 * 1024];

    /// <summary>Client connections assigned to this worker (any thread reads; the acceptor's least-loaded choice).</summary>
    public int ClientCount => Volatile.Read(ref _clients);

    /// <summary>Requests this worker has queued on its server connections and not yet seen answered (timeout scans run only while non-zero).</summary>
    public int Inflight;

    /// <summary>Requests this worker has forwarded to servers. Written by the worker only; read by stats (whole 64-bit reads).</summary>
    public long Forwarded;

    public bool IsCurrentThread => Thread.CurrentThread == _thread;

    /// <summary>
    /// Any thread: whether the caller may use the worker's owner-only members. While the loop runs,
    /// only its own thread may; before it starts (a worker being set up, or driven by a unit test)
    /// and after it has stopped, nothing else touches the worker's state, so the one thread using
    /// it may.
    /// </summary>
    public bool IsOwnerThread => _ownerThreadId is var owner && (owner == 0 || owner == Environment.CurrentManagedThreadId);

    /// <summary>Debug builds: asserts <see cref="IsOwnerThread"/> (the entry points of worker-owned types call it).</summary>
    [Conditional("DEBUG")]
    public void AssertOwned() => Debug.Assert(IsOwnerThread, $"worker {Index}: called off its thread (thread {Environment.CurrentManagedThreadId}, owner {_ownerThreadId})");

    public void Start() => _thread.Start();

    /// <summary>Any thread; false when the worker has stopped (the action will not run).</summary>
    public bool Post(Action action) => _inbox.Post(action);

    /// <summary>Any thread: runs <paramref name="action"/> on the worker and completes when it has.</summary>
    public Task InvokeAsync(Action action)
    {
        if (IsCurrentThread)
        {
            action();
            return Task.CompletedTask;
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var posted = _inbox.Post(() =>
        {
            try
            {
                action();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        if (!posted || (!_thread.IsAlive && _stopping))
        {
            done.TrySetResult(); // the worker has stopped: its sockets are gone with it
        }
        return done.Task;
    }

    /// <summary>Any thread: counts a client handed to this worker (the acceptor, before posting it).</summary>
    public void ClientAssigned() => Interlocked.Increment(ref _clients);

    public void ClientClosed() => Interlocked.Decrement(ref _clients);

    public int Register(int fd, IEventHandler handler, uint events)
    {
        AssertOwned();
        int slot;
        if (!_freeSlots.TryPop(out slot))
        {
            slot = _nextSlot++;
            if (slot == _handlers.Length)
            {
                Array.Resize(ref _handlers, slot * 2);
                Array.Resize(ref _generations, slot * 2);
            }
        }
        _handlers[slot] = handler;
        var generation = ++_generations[slot];
        if (!_epoll.Control(Libc.EpollCtlAdd, fd, events, ((ulong)generation << 32) | (uint)slot, out var errno))
        {
            _handlers[slot] = null;
            _freeSlots.Push(slot);
            throw new IOException($"epoll_ctl ADD failed: errno {errno}");
        }
        return slot;
    }

    public void Modify(int slot, int fd, uint events)
    {
        AssertOwned();
        _epoll.Control(Libc.EpollCtlMod, fd, events, ((ulong)_generations[slot] << 32) | (uint)slot, out _);
    }

    /// <summary>Removes the fd from the epoll set; call before closing the socket.</summary>
    public void Unregister(int slot, int fd)
    {
        AssertOwned();
        _epoll.Control(Libc.EpollCtlDel, fd, 0, 0, out _);
        _handlers[slot] = null;
        _generations[slot]++;
        _freeSlots.Push(slot);
    }

    /// <summary>Queues a connection for the end-of-pass flush; the caller keeps its own "already dirty" flag.</summary>
    public void MarkDirty(IFlushable connection)
    {
        AssertOwned();
        _dirty.Add(connection);
    }

    public void AddServerConnection(ServerConnection connection)
    {
        AssertOwned();
        _backends.Add(connection);
    }

    /// <summary>
    /// Environment.TickCount64 as of the start of this event loop pass (read once after each
    /// epoll_wait): request timestamps for the timeout scan cost no clock read per request. It
    /// trails the real clock by at most one pass, so a timeout can fire that much early.
    /// Worker thread only.
    /// </summary>
    public long Now => _now;

    /// <summary>
    /// Stopwatch.GetTimestamp() as of the start of this pass: the start and end of a request's
    /// server latency (histograms, meters). A request is committed and its reply read in different
    /// passes (its bytes are sent at the end of one, the reply wakes another), so the error of a
    /// sample is at most the length of those passes, while the per-request clock reads (two, about
    /// 6% of the CPU of an unpipelined GET) are gone. Worker thread only.
    /// </summary>
    public long Timestamp => _timestamp;

    public void RemoveServerConnection(ServerConnection connection)
    {
        AssertOwned();
        _backends.Remove(connection);
    }

    private void Run()
    {
        _ownerThreadId = Environment.CurrentManagedThreadId;
        try
        {
            Loop();
        }
        finally
        {
            _ownerThreadId = 0;
        }
    }

    private void Loop()
    {
        while (!_stopping)
        {
            var n = _epoll.Wait(WaitTimeoutMs());
            _now = Environment.TickCount64;
            _timestamp = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++)
            {
                var data = _epoll.DataAt(i);
                if (data == InboxData)
                {
                    _inbox.Drain(e => _logger.WorkerPostedWorkFailed(e, Index));
                    continue;
                }
                var slot = (int)(uint)data;
                if (slot < _handlers.Length && _handlers[slot] is { } handler && _generations[slot] == (uint)(data >> 32))
                {
                    try
                    {
                        handler.OnEvents(_epoll.EventsAt(i));
                    }
                    catch (Exception e)
                    {
                        _logger.WorkerEventHandlerFailed(e, Index);
                    }
                }
            }
            if (Inflight > 0)
            {
                ScanTimeouts();
            }
            if (_timers.Count > 0)
            {
                RunTimers();
            }
            FlushDirty();
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on this worker after <paramref name="delayMs"/> (an accept
    /// pause, a TLS handshake deadline). The worker's own timer, so it works even when the process
    /// cannot create threads or descriptors.
    /// </summary>
    public void RunAfter(int delayMs, Action action)
    {
        AssertOwned();
        _timers.Enqueue(action, Environment.TickCount64 + delayMs);
    }

    private int WaitTimeoutMs()
    {
        var timeout = Inflight > 0 ? TimeoutScanMs : -1;
        if (_timers.TryPeek(out _, out var due))
        {
            var wait = (int)Math.Clamp(due - Environment.TickCount64, 0, int.MaxValue);
            timeout = timeout < 0 ? wait : Math.Min(timeout, wait);
        }
        return timeout;
    }

    private void RunTimers()
    {
        // Take every due timer first: one that an action adds runs in a later pass, not this one.
        var now = Environment.TickCount64;
        while (_timers.TryPeek(out _, out var due) && due <= now)
        {
            _dueTimers.Add(_timers.Dequeue());
        }
        foreach (var action in _dueTimers)
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                _logger.WorkerTimerFailed(e, Index);
            }
        }
        _dueTimers.Clear();
    }

    private void FlushDirty()
    {
        // Flushing may dirty more connections (a resumed client dispatches requests): run until none is left.
        for (var i = 0; i < _dirty.Count; i++)
        {
            try
            {
                _dirty[i].Flush();
            }
            catch (Exception e)
            {
                _logger.WorkerFlushFailed(e, Index);
            }
        }
        _dirty.Clear();
    }

    private void ScanTimeouts()
    {
        var now = _now;
        if (now < _nextTimeoutScan)
        {
            return;
        }
        _nextTimeoutScan = now + TimeoutScanMs;
        for (var i = _backends.Count - 1; i >= 0; i--)
        {
            if (i < _backends.Count)
            {
                _backends[i].CheckTimeout(now);
            }
        }
    }

    /// <summary>Any thread: stops the loop once what is already posted has run, and waits for the thread.</summary>
    public void Stop()
    {
        if (!_thread.IsAlive)
        {
            return;
        }
        _inbox.Post(() => _stopping = true);
        if (!IsCurrentThread)
        {
            _thread.Join(TimeSpan.FromSeconds(10));
        }
    }

    public void Dispose()
    {
        Stop();
        if (!_thread.IsAlive)
        {
            _epoll.Dispose();
            _inbox.Dispose();
        }
    }
}
