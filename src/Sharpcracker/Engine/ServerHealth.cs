using System.Diagnostics;
using System.Net.Sockets;
using Sharpcracker.Common;

namespace Sharpcracker.Engine;


/// <summary>
/// The failure state of one backend server, shared by all its connections. A pure state
/// machine (no I/O, time passed in), driven by <see cref="ServerConnection"/> and
/// <see cref="PoolServer"/>; what a failure costs depends on its <see cref="ServerConnectionLoss"/>:
/// <list type="bullet">
/// <item>A server closing an idle connection (<see cref="ServerConnectionLoss.IdleClosed"/>) is
/// not reported here at all: no failure, no back-off; the next request reconnects at once.</item>
/// <item>Every other connection failure counts; any reply resets the count (twemproxy's
/// <c>failure_count</c>).</item>
/// <item>With <c>auto_eject_hosts</c>, reaching <c>server_failure_limit</c> ejects the server:
/// it leaves the continuum until a probe on a fresh connection succeeds, tried every
/// <c>server_retry_timeout</c>.</item>
/// <item>Only failed connects (<see cref="ServerConnectionLoss.ConnectFailed"/>: the connection
/// never answered) back off: the first failed connect after a working period reconnects at once;
/// from the second consecutive one on no connect is tried for 100 ms, 200 ms, 400 ms … capped at
/// <c>server_retry_timeout</c> with auto-eject and at <see cref="RecoveryCapMs"/> without it (a
/// server that comes back is used again within that time, as twemproxy's connect-on-demand does);
/// requests arriving meanwhile fail at once with the failure of the last failed connect (its
/// reason: "Connection refused", "Connection timed out" …) instead of each trying a connect, and
/// when a window has passed one connection (of any worker) makes the next attempt
/// (<see cref="TryBeginConnect"/>). A connection that had answered and is lost with requests in
/// flight (<see cref="ServerConnectionLoss.Lost"/>) counts but does not back off.</item>
/// </list>
/// </summary>
internal sealed class ServerHealth
{
    /// <summary>The first back-off delay (after the second consecutive failure).</summary>
    public const int BackoffBaseMs = 100;

    /// <summary>
    /// The longest back-off without auto_eject_hosts: a dead server is tried at most once per
    /// this many milliseconds (whatever the number of workers and connections), and a server
    /// that comes back is used again within it.
    /// </summary>
    public const int RecoveryCapMs = 500;

    private readonly object _lock = new();
    // Settings: written under _lock (constructor, Reconfigure), read under it or as one int.
    private bool _autoEject;
    private int _failureLimit;
    private volatile int _retryTimeoutMs;
    private int _failures;          // consecutive failures since the last reply; written under _lock
    private int _connectFailures;   // consecutive failed connects since the last reply (the back-off); written under _lock
    private long _connectAllowedAt; // Environment.TickCount64 before which no connect is started
    private volatile ServerFailure _lastError = ServerFailure.FromSocketError(SocketError.ConnectionRefused);
    // What requests refused during a back-off fail with: the failure of the connect that started it.
    private volatile ServerFailure _lastConnectFailure = ServerFailure.FromSocketError(SocketError.ConnectionRefused);
    private volatile bool _ejected;
    private long _ejectedAtUnixMs;
    private long _ejections;

    public ServerHealth(bool autoEject, int failureLimit, int retryTimeoutMs)
    {
        _autoEject = autoEject;
        // twemproxy ejects when failure_count >= limit; a limit of 0 behaves like 1.
        _failureLimit = Math.Max(1, failureLimit);
        _retryTimeoutMs = Math.Max(1, retryTimeoutMs);
    }

    /// <summary>
    /// A config reload kept this server and may have changed the pool's ejection settings; they
    /// apply from the next failure (an ejected server stays out until its probe succeeds).
    /// </summary>
    public void Reconfigure(bool autoEject, int failureLimit, int retryTimeoutMs)
    {
        lock (_lock)
        {
            _autoEject = autoEject;
            _failureLimit = Math.Max(1, failureLimit);
            _retryTimeoutMs = Math.Max(1, retryTimeoutMs);
        }
    }

    public bool IsEjected => _ejected;

    /// <summary>An ejected server's re-admission probe is in progress (for reporting).</summary>
    public bool IsProbing => _probing;

    private volatile bool _probing;

    /// <summary>The probe of an ejected server starts (true) or has its answer (false).</summary>
    public void SetProbing(bool probing) => _probing = probing;

    /// <summary>The most recent failure (what requests refused while the server is ejected fail with).</summary>
    public ServerFailure LastFailure => _lastError;

    /// <summary>The failure of the most recent failed connect (what requests refused during a back-off fail with).</summary>
    public ServerFailure LastConnectFailure => _lastConnectFailure;

    /// <summary>The text of the most recent failure (reports).</summary>
    public string LastError => _lastError.Text;

    /// <summary>Consecutive failures since the last reply.</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Unix time in milliseconds of the latest ejection, 0 if never ejected.</summary>
    public long EjectedAtUnixMs => Interlocked.Read(ref _ejectedAtUnixMs);

    /// <summary>How many times the server was ejected.</summary>
    public long Ejections => Interlocked.Read(ref _ejections);

    public int RetryTimeoutMs => _retryTimeoutMs;

    /// <summary>A reply arrived: the server works. Cheap when nothing had failed (one read).</summary>
    public void OnReply()
    {
        if (Volatile.Read(ref _failures) == 0)
        {
            return;
        }
        lock (_lock)
        {
            _failures = 0;
            _connectFailures = 0;
            Volatile.Write(ref _connectAllowedAt, 0);
        }
    }

    /// <summary>
    /// Null when a connect may start at <paramref name="now"/>; otherwise the failure to fail the
    /// request with at once (the server is ejected or in back-off).
    /// </summary>
    public ServerFailure? RefuseConnect(long now)
    {
        if (_ejected)
        {
            return _lastError;
        }
        return now < Volatile.Read(ref _connectAllowedAt) ? _lastConnectFailure : null;
    }

    /// <summary>
    /// A connection failed after getting as far as <paramref name="loss"/> says (never
    /// <see cref="ServerConnectionLoss.IdleClosed"/>: that is no failure). Counts it; a failed
    /// connect also backs off. Returns true when this failure ejected the server.
    /// </summary>
    public bool OnConnectionFailed(ServerFailure failure, ServerConnectionLoss loss, long now)
    {
        Debug.Assert(loss != ServerConnectionLoss.IdleClosed, "an idle close is no server failure");
        lock (_lock)
        {
            _lastError = failure;
            if (loss == ServerConnectionLoss.ConnectFailed)
            {
                _lastConnectFailure = failure;
            }
            if (_ejected)
            {
                return false; // already out; connections still draining don't count again
            }
            _failures++;
            if (_autoEject && _failures >= _failureLimit)
            {
                _ejected = true;
                _failures = 0;
                _connectFailures = 0;
                Interlocked.Exchange(ref _ejectedAtUnixMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                Interlocked.Increment(ref _ejections);
                return true;
            }
            if (loss == ServerConnectionLoss.ConnectFailed)
            {
                _connectFailures++;
                Volatile.Write(ref _connectAllowedAt, now + BackoffDelayMs(_connectFailures, _retryTimeoutMs, _autoEject));
            }
            return false;
        }
    }

    /// <summary>
    /// The result of a re-admission probe of an ejected server: null error means it answered.
    /// Returns true when the server is back in service.
    /// </summary>
    public bool OnProbeResult(ServerFailure? error)
    {
        lock (_lock)
        {
            if (error is not null)
            {
                _lastError = error;
                return false;
            }
            if (!_ejected)
            {
                return false;
            }
            _ejected = false;
            _failures = 0;
            _connectFailures = 0;
            Volatile.Write(ref _connectAllowedAt, 0);
            return true;
        }
    }

    /// <summary>
    /// 0 for the first consecutive failed connect, then 100 ms doubling, capped at the retry timeout
    /// (with auto-eject) or at <see cref="RecoveryCapMs"/> (without: nothing ejects the server, so
    /// a long back-off would only delay its return).
    /// </summary>
    public static long BackoffDelayMs(int consecutiveFailures, int retryTimeoutMs, bool autoEject = true)
    {
        if (consecutiveFailures <= 1)
        {
            return 0;
        }
        var shift = Math.Min(consecutiveFailures - 2, 20);
        var cap = autoEject ? retryTimeoutMs : Math.Min(retryTimeoutMs, RecoveryCapMs);
        return Math.Min((long)BackoffBaseMs << shift, cap);
    }

    /// <summary>
    /// A connection that is down wants to connect at <paramref name="now"/>: null when it may,
    /// otherwise the failure to fail its request with (the last failed connect's; the last failure
    /// of any kind while ejected). Outside a back-off every connection may;
    /// once a back-off window has passed, only the first caller gets the attempt and the window
    /// restarts for the others, so a dead server sees one connect per window in all.
    /// <see cref="RefuseConnect"/> is the read-only form (for reporting).
    /// </summary>
    public ServerFailure? TryBeginConnect(long now)
    {
        if (_ejected)
        {
            return _lastError;
        }
        var allowedAt = Volatile.Read(ref _connectAllowedAt);
        if (allowedAt == 0)
        {
            return null;
        }
        if (now < allowedAt)
        {
            return _lastConnectFailure;
        }
        var next = now + BackoffDelayMs(Math.Max(2, Volatile.Read(ref _connectFailures)), _retryTimeoutMs, _autoEject);
        return Interlocked.CompareExchange(ref _connectAllowedAt, next, allowedAt) == allowedAt ? null : _lastConnectFailure;
    }
}
