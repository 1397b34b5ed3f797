namespace Sharpcracker.Stats;

/// <summary>
/// One pool's TLS handshake counters, for one side (clients of its listener, or its server
/// connections). Handshakes are per connection, not per request: interlocked counters are fine.
/// Also rations failure log lines: the first failure of each second is logged with how many were
/// not, so a flood of plaintext clients on a TLS port cannot flood the log.
/// </summary>
internal sealed class TlsCounters
{
    private long _handshakes;
    private long _failures;
    private long _timeouts;
    private long _lastLogSecond = long.MinValue;
    private long _unlogged;

    public long Handshakes => Interlocked.Read(ref _handshakes);
    public long Failures => Interlocked.Read(ref _failures);
    public long Timeouts => Interlocked.Read(ref _timeouts);

    public void Completed() => Interlocked.Increment(ref _handshakes);

    public void Failed() => Interlocked.Increment(ref _failures);

    public void TimedOut() => Interlocked.Increment(ref _timeouts);

    /// <summary>Whether to log this failure now; <paramref name="suppressed"/> says how many were not logged since the last line.</summary>
    public bool ShouldLog(out long suppressed)
    {
        var second = Environment.TickCount64 / 1000;
        var last = Interlocked.Read(ref _lastLogSecond);
        if (last != second && Interlocked.CompareExchange(ref _lastLogSecond, second, last) == last)
        {
            suppressed = Interlocked.Exchange(ref _unlogged, 0);
            return true;
        }
        Interlocked.Increment(ref _unlogged);
        suppressed = 0;
        return false;
    }
}
