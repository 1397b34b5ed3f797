using System.Buffers;
using System.Threading.Tasks.Sources;
using Sharpcracker.Common;

namespace Sharpcracker.Engine.Tls;

/// <summary>
/// The stream under an <see cref="System.Net.Security.SslStream"/> that runs inside a worker's
/// loop (OpenSSL's "memory BIO"): the loop receives ciphertext from the socket straight into this
/// stream's buffer (<see cref="GetReceiveSpan"/>, <see cref="Received"/>), and collects what the TLS layer wrote from <see cref="Output"/> to send it
/// itself. No socket is touched here and nothing blocks.
/// <para>A read with ciphertext buffered completes synchronously. A read with none stays pending
/// (a reusable <see cref="IValueTaskSource{TResult}"/>, continuations not forced asynchronous) and
/// completes inline, on the loop thread, inside the next <see cref="Received"/> or <see cref="FeedEnd"/>
/// (engine.md, "TLS alongside an epoll loop"). Writes complete synchronously into the output.</para>
/// <para>Memory: the ciphertext buffer is rented while it holds bytes and returned when the TLS
/// layer has read them all, and a zero-byte read waits without a buffer (SslStream's idle
/// read), so an idle connection holds none.</para>
/// <para>Single-threaded: every member runs on the owning worker's thread.</para>
/// </summary>
internal sealed class MemoryBioStream : Stream, IValueTaskSource<int>
{
    private byte[] _in = [];
    private int _inStart;
    private int _inEnd;
    private bool _ended;
    private ManualResetValueTaskSourceCore<int> _pending = new() { RunContinuationsAsynchronously = false };
    private Memory<byte> _pendingBuffer;
    private bool _readPending;

    /// <summary>Ciphertext the TLS layer wrote, waiting for the socket.</summary>
    public ByteBuffer Output { get; } = new();

    /// <summary>Fed ciphertext the TLS layer has not read yet.</summary>
    private int Buffered => _inEnd - _inStart;

    /// <summary>Room for at least <paramref name="size"/> bytes of ciphertext, received straight into the buffer (no copy); <see cref="Received"/> follows.</summary>
    public Span<byte> GetReceiveSpan(int size)
    {
        if (_inStart == _inEnd)
        {
            _inStart = _inEnd = 0;
        }
        if (_in.Length - _inEnd < size)
        {
            var live = _inEnd - _inStart;
            if (live + size > _in.Length)
            {
                var grown = ArrayPool<byte>.Shared.Rent(Math.Max(live + size, _in.Length * 2));
                Buffer.BlockCopy(_in, _inStart, grown, 0, live);
                ReturnInput();
                _in = grown;
            }
            else
            {
                Buffer.BlockCopy(_in, _inStart, _in, 0, live);
            }
            _inStart = 0;
            _inEnd = live;
        }
        return _in.AsSpan(_inEnd);
    }

    /// <summary><paramref name="count"/> bytes landed in the span from <see cref="GetReceiveSpan"/>; a pending read completes inline.</summary>
    public void Received(int count)
    {
        _inEnd += count;
        if (_readPending && count > 0)
        {
            var buffer = _pendingBuffer;
            _readPending = false;
            _pendingBuffer = default;
            // A zero-byte read only learns that data is there; it takes none.
            _pending.SetResult(buffer.IsEmpty ? 0 : Take(buffer.Span));
        }
    }

    /// <summary>The peer closed its side: a pending read (and every later one) returns 0.</summary>
    public void FeedEnd()
    {
        _ended = true;
        if (_readPending && Buffered == 0)
        {
            Complete(0);
        }
    }

    private void Complete(int n)
    {
        _readPending = false;
        _pendingBuffer = default;
        _pending.SetResult(n);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Buffered > 0)
        {
            return new ValueTask<int>(buffer.IsEmpty ? 0 : Take(buffer.Span));
        }
        if (_ended)
        {
            return new ValueTask<int>(0);
        }
        if (_readPending)
        {
            throw new InvalidOperationException("a read is already pending");
        }
        _pending.Reset();
        _readPending = true;
        _pendingBuffer = buffer;
        return new ValueTask<int>(this, _pending.Version);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
        => Buffered > 0 ? Take(buffer) : _ended ? 0 : throw new InvalidOperationException("a synchronous read would block the worker");

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private int Take(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, Buffered);
        _in.AsSpan(_inStart, n).CopyTo(destination);
        _inStart += n;
        if (_inStart == _inEnd)
        {
            ReturnInput(); // all read: an idle connection keeps no ciphertext buffer
        }
        return n;
    }

    private void ReturnInput()
    {
        if (_in.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_in);
        }
        _in = [];
        _inStart = _inEnd = 0;
    }

    public override void Write(ReadOnlySpan<byte> buffer) => Output.Write(buffer);

    public override void Write(byte[] buffer, int offset, int count) => Output.Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Output.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Output.Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    int IValueTaskSource<int>.GetResult(short token) => _pending.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _pending.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _pending.OnCompleted(continuation, state, token, flags & ~ValueTaskSourceOnCompletedFlags.FlowExecutionContext);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Output.Release();
            if (!_readPending)
            {
                ReturnInput();
            }
        }
        base.Dispose(disposing);
    }
}
