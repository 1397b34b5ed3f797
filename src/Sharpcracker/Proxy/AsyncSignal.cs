using System.Threading.Tasks.Sources;

namespace Sharpcracker.Proxy;

/// <summary>
/// An allocation-free auto-reset event for exactly one waiting loop and any number of setters.
/// Many Set calls before the waiter runs coalesce into one wake-up, which is what lets a loop
/// drain a whole batch per wake-up. With <c>runInline</c> the waiting loop resumes on the
/// setter's thread (no thread-pool hop); setters must then hold no lock when calling Set.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    public AsyncSignal(bool runInline = false)
    {
        _core.RunContinuationsAsynchronously = !runInline;
    }

    private const int Idle = 0;
    private const int Signaled = 1;
    private const int Waiting = 2;

    private ManualResetValueTaskSourceCore<bool> _core;
    private int _state;

    /// <summary>Waits for the next Set. Only one caller may wait at a time.</summary>
    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled)
        {
            return default;
        }
        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Signaled)
        {
            Volatile.Write(ref _state, Idle);
            return default;
        }
        return new ValueTask(this, _core.Version);
    }

    public void Set()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Signaled)
            {
                return;
            }
            if (state == Idle)
            {
                if (Interlocked.CompareExchange(ref _state, Signaled, Idle) == Idle)
                {
                    return;
                }
                continue;
            }
            if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
            {
                _core.SetResult(true);
                return;
            }
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
