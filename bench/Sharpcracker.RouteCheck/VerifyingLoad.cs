using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sharpcracker.RouteCheck;

/// <summary>
/// A client that checks every read against the writes it made. Keys are split between its
/// connections (key k belongs to connection k mod connections), so each key is written and read
/// by one connection, one request at a time: "the last acknowledged write" of a key is exact.
/// Each key's value is its version, increasing by one per write attempt. A read older than the
/// last acknowledged version is stale; newer than it means a write that failed (error or timeout)
/// was applied anyway. The load is paced to <c>rate</c> requests a second in all, counted into
/// the current window, which the phase moves on (before, during, after an outage).
/// </summary>
internal sealed class VerifyingLoad
{
    private readonly int _port;
    private readonly string _prefix;
    private readonly int _keys;
    private readonly int _connections;
    private readonly double _rate;
    private readonly double _readFraction;
    private readonly int _timeoutMs;
    private readonly long[] _acked;
    private readonly long[] _attempted;
    private readonly WindowCounts[][] _counts;
    private readonly ConcurrentDictionary<string, long> _errors = new();
    private readonly List<Thread> _threads = [];
    private readonly long[][] _stalePerSecond;
    private readonly long[][] _missesPerSecond;
    private readonly long[][] _errorsPerSecond;
    private readonly List<int> _windowStarts = [];
    private long _startTimestamp;
    private long[]? _ackedAtOutage;
    private int _stopSecond = -1;
    private volatile int _window;
    private volatile bool _stopping;

    public VerifyingLoad(int port, string prefix, int keys, int connections, double rate, double readFraction, int windows, int seconds, int timeoutMs = 5000)
    {
        _stalePerSecond = [.. Enumerable.Range(0, connections).Select(_ => new long[seconds + 1])];
        _missesPerSecond = [.. Enumerable.Range(0, connections).Select(_ => new long[seconds + 1])];
        _errorsPerSecond = [.. Enumerable.Range(0, connections).Select(_ => new long[seconds + 1])];
        _port = port;
        _prefix = prefix;
        _keys = keys;
        _connections = connections;
        _rate = rate;
        _readFraction = readFraction;
        _timeoutMs = timeoutMs;
        _acked = new long[keys];
        _attempted = new long[keys];
        _counts = new WindowCounts[windows][];
        for (var w = 0; w < windows; w++)
        {
            _counts[w] = new WindowCounts[connections];
            for (var c = 0; c < connections; c++)
            {
                _counts[w][c] = new WindowCounts();
            }
        }
    }

    public string Key(int k) => _prefix + k;

    /// <summary>Writes version 1 of every key (each connection its own keys); returns the keys that failed.</summary>
    public int Preload()
    {
        var failed = 0;
        Parallel.For(0, _connections, new ParallelOptions { MaxDegreeOfParallelism = _connections }, c =>
        {
            using var client = new TextClient(_port, _timeoutMs);
            for (var k = c; k < _keys; k += _connections)
            {
                _attempted[k] = 1;
                if (client.Set(Key(k), 1, 0) == ReplyKind.Stored)
                {
                    _acked[k] = 1;
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        });
        return failed;
    }

    public void Start()
    {
        _startTimestamp = Stopwatch.GetTimestamp();
        for (var c = 0; c < _connections; c++)
        {
            var connection = c;
            var thread = new Thread(() => Run(connection)) { IsBackground = true, Name = "verify-" + c };
            _threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Requests from now on count into <paramref name="window"/>.</summary>
    public void Enter(int window)
    {
        if (window == 1)
        {
            // Each element is read whole (64-bit); a write in flight on another connection may or may not be in the copy.
            _ackedAtOutage = (long[])_acked.Clone();
        }
        _window = window;
        _windowStarts.Add(Second);
    }

    /// <summary>The whole seconds since <see cref="Start"/>, capped at the last slot of the per-second counts.</summary>
    private int Second => Math.Min((int)Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds, _stalePerSecond[0].Length - 1);

    /// <summary>
    /// Stale reads, misses and errors (reads and writes) per second since the start, a "|" where a
    /// window began: "stale 0 0 | 0 12 | 30 0".
    /// </summary>
    public string Timeline()
    {
        var last = _stopSecond >= 0 ? _stopSecond : Second;
        string Series(long[][] perConnection)
        {
            var cells = new List<string>();
            for (var s = 0; s <= last; s++)
            {
                if (_windowStarts.Contains(s))
                {
                    cells.Add("|");
                }
                cells.Add(perConnection.Sum(c => c[s]).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            return string.Join(' ', cells);
        }
        return $"stale/s: {Series(_stalePerSecond)}; misses/s: {Series(_missesPerSecond)}; errors/s: {Series(_errorsPerSecond)}";
    }

    public void Stop()
    {
        _stopSecond = Second;
        _stopping = true;
        foreach (var thread in _threads)
        {
            thread.Join();
        }
    }

    public WindowCounts Totals(int window)
    {
        var sum = new WindowCounts();
        foreach (var c in _counts[window])
        {
            sum.Add(c);
        }
        return sum;
    }

    /// <summary>The error texts the client saw, most frequent first ("text ×count").</summary>
    public string ErrorSummary(int top = 4)
        => _errors.IsEmpty ? "none" : string.Join("; ", _errors.OrderByDescending(e => e.Value).Take(top).Select(e => $"`{e.Key}` ×{e.Value}"));

    /// <summary>The version each key last had acknowledged.</summary>
    public long AckedVersion(int k) => _acked[k];

    private void Run(int connection)
    {
        using var client = new TextClient(_port, _timeoutMs);
        var random = new Random(connection * 7919 + 1);
        var owned = (_keys - connection + _connections - 1) / _connections;
        var interval = _connections / _rate * Stopwatch.Frequency;
        var due = (double)Stopwatch.GetTimestamp();
        while (!_stopping && owned > 0)
        {
            due += interval;
            var wait = (long)due - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 1000)
            {
                Thread.Sleep(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency)); // pacing the load
            }
            else if (wait < -Stopwatch.Frequency)
            {
                due = Stopwatch.GetTimestamp(); // a long stall (a request waiting on a timeout) is not made up in a burst
            }
            var k = connection + random.Next(owned) * _connections;
            var counts = _counts[_window][connection];
            var second = Second;
            var (stale, misses, errors) = (counts.Stale, counts.Misses, counts.ReadErrors + counts.WriteErrors);
            if (random.NextDouble() < _readFraction)
            {
                Read(client, k, counts);
            }
            else
            {
                Write(client, k, counts);
            }
            _stalePerSecond[connection][second] += counts.Stale - stale;
            _missesPerSecond[connection][second] += counts.Misses - misses;
            _errorsPerSecond[connection][second] += counts.ReadErrors + counts.WriteErrors - errors;
        }
    }

    private void Read(TextClient client, int k, WindowCounts counts)
    {
        counts.Reads++;
        switch (client.Get(Key(k), out var value))
        {
            case ReplyKind.Hit when value < _acked[k]:
                counts.Stale++;
                if (_ackedAtOutage is { } before && value <= before[k])
                {
                    counts.StalePreOutage++;
                }
                break;
            case ReplyKind.Hit:
                counts.Fresh++;
                if (value > _acked[k])
                {
                    counts.Unacknowledged++;
                }
                break;
            case ReplyKind.Miss:
                counts.Misses++;
                break;
            default:
                counts.ReadErrors++;
                _errors.AddOrUpdate("get: " + client.LastError, 1, (_, n) => n + 1);
                break;
        }
    }

    private void Write(TextClient client, int k, WindowCounts counts)
    {
        counts.Writes++;
        var version = ++_attempted[k];
        if (client.Set(Key(k), version, 0) == ReplyKind.Stored)
        {
            counts.WritesOk++;
            _acked[k] = version;
        }
        else
        {
            counts.WriteErrors++;
            _errors.AddOrUpdate("set: " + client.LastError, 1, (_, n) => n + 1);
        }
    }
}
