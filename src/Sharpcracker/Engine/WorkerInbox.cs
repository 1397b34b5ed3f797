using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Sharpcracker.Common.Interop;

namespace Sharpcracker.Engine;

/// <summary>
/// The only hand-off into a worker from other threads (accepted connections, reload and
/// ejection effects, drain and shutdown, stats requests): a queue plus an eventfd registered in
/// the worker's epoll. Posting is rare (never per request), so a delegate per item is fine. One
/// eventfd write per burst: <see cref="_wakePending"/> stays set until the worker drains.
/// </summary>
internal sealed unsafe class WorkerInbox : IDisposable
{
    private readonly ConcurrentQueue<Action> _queue = new();
    private readonly object _fdLock = new();
    private int _wakePending;
    private bool _closed;

    public WorkerInbox()
    {
        Fd = Libc.eventfd(0, Libc.EfdNonblock | Libc.EfdCloexec);
        if (Fd < 0)
        {
            throw new IOException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public int Fd { get; }

    public bool IsEmpty => _queue.IsEmpty;

    /// <summary>
    /// Any thread. False when the inbox is closed (the worker has stopped): the action will never
    /// run. The eventfd is written under a lock shared with <see cref="Dispose"/>, so a late post
    /// can never write into a closed, reused descriptor (another socket).
    /// </summary>
    public bool Post(Action action)
    {
        lock (_fdLock)
        {
            if (_closed)
            {
                return false;
            }
            _queue.Enqueue(action);
            if (Interlocked.Exchange(ref _wakePending, 1) == 0)
            {
                ulong one = 1;
                Libc.write(Fd, &one, sizeof(ulong));
            }
            return true;
        }
    }

    /// <summary>Worker thread: clears the wake-up, then runs everything queued (the flag is cleared first so no post is missed).</summary>
    public void Drain(Action<Exception> onError)
    {
        ulong value;
        Libc.read(Fd, &value, sizeof(ulong));
        Volatile.Write(ref _wakePending, 0);
        while (_queue.TryDequeue(out var action))
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                onError(e);
            }
        }
    }

    public void Dispose()
    {
        lock (_fdLock)
        {
            if (!_closed)
            {
                _closed = true;
                Libc.close(Fd);
            }
        }
    }
}
