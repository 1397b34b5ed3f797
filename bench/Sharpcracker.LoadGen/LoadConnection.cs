using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;

namespace Sharpcracker.LoadGen;

/// <summary>Run-wide phase, written by the runner and read by every connection.</summary>
public sealed class RunState
{
    public const int Warmup = 0;
    public const int Measure = 1;
    public const int Stop = 2;
    private int _phase;
    /// <summary>Requests still to issue in request-count mode (long.MaxValue in duration mode).</summary>
    public long Budget = long.MaxValue;

    public int Phase => Volatile.Read(ref _phase);
    public void SetPhase(int phase) => Volatile.Write(ref _phase, phase);
}

/// <summary>
/// One client connection: keeps up to Pipeline requests in flight; after each receive it parses
/// every complete reply, then issues as many new requests as replies arrived, in one send. All
/// buffers are allocated once; steady state allocates nothing per request.
/// </summary>
public sealed class LoadConnection : IDisposable
{
    private const byte KindRead = 0;
    private const byte KindSet = 1;

    private readonly LoadOptions _options;
    private readonly WireCodec _codec;
    private readonly KeySpace _keys;
    private readonly RunState _state;
    private readonly Socket _socket;
    private SslStream? _tls; // --tls: the same traffic over TLS (server certificate not checked: a benchmark)
    private readonly int _depth;
    /// <summary>Ring size: the larger of the run's pipeline depth and the preload depth.</summary>
    private readonly int _ring;
    private readonly int _keysPerRead;
    // In-flight ring: kind, start timestamp, whether it counts, and the key indexes it asked for.
    private readonly byte[] _kind;
    private readonly long[] _start;
    private readonly bool[] _measured;
    private readonly int[] _slotKeys;
    private readonly byte[] _send;
    private byte[] _receive;
    private int _head;
    private int _inFlight;
    private FastRandom _random;
    private long _readCount;
    private int _preloadNext;
    private int _preloadEnd;
    private volatile bool _aborted;
    private long _lastProgress;

    public LoadConnection(LoadOptions options, WireCodec codec, KeySpace keys, RunState state, int index, ErrorLog errors)
    {
        _options = options;
        _codec = codec;
        _keys = keys;
        _state = state;
        Tally = new ReplyTally(errors);
        _depth = Math.Max(options.Pipeline, 1);
        _keysPerRead = options.MultiGetKeys;
        _ring = Math.Max(_depth, PreloadDepth);
        _kind = new byte[_ring];
        _start = new long[_ring];
        _measured = new bool[_ring];
        _slotKeys = new int[_ring * _keysPerRead];
        _send = new byte[Math.Max(_depth, PreloadDepth) * codec.MaxRequestSize(_keysPerRead)];
        _receive = new byte[64 * 1024];
        _random = new FastRandom((ulong)options.Seed * 0x9E3779B97F4A7C15UL + (ulong)index + 1);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Touch();
    }

    private const int PreloadDepth = 32;

    public ReplyTally Tally { get; }
    public bool Finished { get; private set; }
    public long LastCompletion { get; private set; }
    public long LastProgress => Volatile.Read(ref _lastProgress);

    public async Task ConnectAsync()
    {
        await _socket.ConnectAsync(_options.Host, _options.Port);
        if (_options.Tls)
        {
            _tls = new SslStream(new NetworkStream(_socket, ownsSocket: false), leaveInnerStreamOpen: false);
            await _tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = static (_, _, _, _) => true,
            });
        }
        var hello = _codec.WriteHandshake(_send);
        if (hello > 0)
        {
            await HandshakeAsync(hello);
        }
    }

    /// <summary>Sends the handshake (redis3: HELLO 3) and waits for its whole reply; nothing else is in flight yet.</summary>
    /// <summary>Receives after the first <paramref name="filled"/> bytes of the buffer (grown when full); 0 at end of stream. Pooled: no allocation per receive.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveAtAsync(int filled)
    {
        if (filled == _receive.Length)
        {
            Array.Resize(ref _receive, _receive.Length * 2);
        }
        return _tls is null
            ? await _socket.ReceiveAsync(_receive.AsMemory(filled), SocketFlags.None)
            : await _tls.ReadAsync(_receive.AsMemory(filled));
    }

    private async Task HandshakeAsync(int length)
    {
        await SendAsync(length);
        var filled = 0;
        while (true)
        {
            var n = await ReceiveAtAsync(filled);
            if (n == 0)
            {
                throw new HandshakeRefusedException("connection closed before the handshake reply (the target does not speak it)");
            }
            filled += n;
            var reply = _codec.ParseHandshake(_receive.AsSpan(0, filled));
            if (reply > 0)
            {
                if (reply != filled)
                {
                    throw new HandshakeRefusedException($"{filled - reply} bytes after the handshake reply");
                }
                return;
            }
        }
    }

    /// <summary>Stores keys [from, to) with a deep pipeline, so the measured reads hit.</summary>
    public async Task PreloadAsync(int from, int to)
    {
        _preloadNext = from;
        _preloadEnd = to;
        await LoopAsync(preload: true);
    }

    public async Task RunAsync()
    {
        try
        {
            await LoopAsync(preload: false);
        }
        finally
        {
            Finished = true;
        }
    }

    /// <summary>Called by the watchdog: closing the socket ends the pending receive.</summary>
    public void Abort(string why)
    {
        if (!_aborted)
        {
            _aborted = true;
            Tally.Error(why, default);
            _socket.Dispose();
        }
    }

    private void Touch() => Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());

    private async Task LoopAsync(bool preload)
    {
        var depth = preload ? PreloadDepth : _depth;
        var filled = 0;
        try
        {
            var toSend = Issue(preload, depth);
            if (toSend > 0)
            {
                await SendAsync(toSend);
            }
            while (_inFlight > 0)
            {
                var n = await ReceiveAtAsync(filled);
                if (n == 0)
                {
                    Tally.Error($"connection closed with {_inFlight} requests outstanding", default);
                    return;
                }
                Touch();
                filled += n;
                var consumed = ParseReplies(filled);
                if (consumed < 0)
                {
                    return; // stream lost; the error is counted
                }
                if (consumed > 0)
                {
                    Buffer.BlockCopy(_receive, consumed, _receive, 0, filled - consumed);
                    filled -= consumed;
                }
                toSend = Issue(preload, depth);
                if (toSend > 0)
                {
                    await SendAsync(toSend);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            if (!_aborted)
            {
                Tally.Error("socket: " + e.Message, default);
            }
        }
    }

    private async ValueTask SendAsync(int length)
    {
        if (_tls is not null)
        {
            await _tls.WriteAsync(_send.AsMemory(0, length));
            return;
        }
        var sent = 0;
        while (sent < length)
        {
            sent += await _socket.SendAsync(_send.AsMemory(sent, length - sent), SocketFlags.None);
        }
    }

    /// <summary>Parses complete replies from the front of the buffer; returns bytes consumed, -1 if the stream is lost.</summary>
    private int ParseReplies(int filled)
    {
        var pos = 0;
        while (_inFlight > 0)
        {
            var slot = _head;
            var saved = Tally.Save();
            var span = _receive.AsSpan(pos, filled - pos);
            int n;
            if (_kind[slot] == KindSet)
            {
                n = _codec.ParseSet(span, Tally);
            }
            else
            {
                var verify = _readCount++ % _options.VerifyEvery == 0;
                n = _codec.ParseRead(span, _slotKeys.AsSpan(slot * _keysPerRead, _keysPerRead), verify, Tally);
                if (n == 0)
                {
                    _readCount--;
                }
            }
            if (n == 0)
            {
                Tally.Restore(saved);
                return pos;
            }
            if (n < 0)
            {
                return -1;
            }
            pos += n;
            var now = Stopwatch.GetTimestamp();
            // Duration mode counts what completes inside the measured window; count mode counts every measured request.
            if (_measured[slot] && (_options.Requests > 0 || _state.Phase == RunState.Measure))
            {
                Tally.Completed++;
                Tally.Latency.Record((long)((now - _start[slot]) * s_nanosPerTick));
                LastCompletion = now;
            }
            _head = (_head + 1) % _ring;
            _inFlight--;
        }
        return pos;
    }

    private static readonly double s_nanosPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Writes new requests into the send buffer until depth are in flight; returns the bytes to send.</summary>
    private int Issue(bool preload, int depth)
    {
        var length = 0;
        var now = Stopwatch.GetTimestamp();
        while (_inFlight < depth)
        {
            var slot = (_head + _inFlight) % _ring;
            if (preload)
            {
                if (_preloadNext >= _preloadEnd)
                {
                    break;
                }
                _kind[slot] = KindSet;
                _measured[slot] = false;
                length += _codec.WriteSet(_send.AsSpan(length), _preloadNext++);
            }
            else
            {
                var phase = _state.Phase;
                if (phase == RunState.Stop || _aborted)
                {
                    break;
                }
                var measured = phase == RunState.Measure;
                if (measured && _options.Requests > 0 && Interlocked.Decrement(ref _state.Budget) < 0)
                {
                    break;
                }
                _measured[slot] = measured;
                if (_random.NextDouble() < _options.GetRatio)
                {
                    _kind[slot] = KindRead;
                    var keys = _slotKeys.AsSpan(slot * _keysPerRead, _keysPerRead);
                    for (var i = 0; i < keys.Length; i++)
                    {
                        keys[i] = _keys.Next(ref _random);
                    }
                    length += _codec.WriteRead(_send.AsSpan(length), keys);
                    if (measured)
                    {
                        Tally.Reads++;
                        Tally.KeysRequested += keys.Length;
                    }
                }
                else
                {
                    _kind[slot] = KindSet;
                    length += _codec.WriteSet(_send.AsSpan(length), _keys.Next(ref _random));
                    if (measured)
                    {
                        Tally.Writes++;
                    }
                }
            }
            _start[slot] = now;
            _inFlight++;
        }
        return length;
    }

    public void Dispose()
    {
        _tls?.Dispose();
        _socket.Dispose();
    }
}
