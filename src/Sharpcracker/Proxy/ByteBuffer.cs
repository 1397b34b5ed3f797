using System.Buffers;

namespace Sharpcracker.Proxy;

/// <summary>
/// A growable byte buffer over ArrayPool arrays, reused across requests so that steady-state
/// traffic allocates nothing. Not thread-safe: its owner says who may touch it.
/// </summary>
internal sealed class ByteBuffer : IBufferWriter<byte>
{
    // Buffers that grew past this (a huge value) go back to the pool once emptied.
    private const int RetainLimit = 256 * 1024;

    private byte[] _array = Array.Empty<byte>();
    private int _length;

    public int Length => _length;

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, _length);

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, _length);

    public Span<byte> GetSpan(int size)
    {
        if (_array.Length - _length < size)
        {
            Grow(size);
        }
        return _array.AsSpan(_length);
    }

    public Memory<byte> GetMemory(int size)
    {
        if (_array.Length - _length < size)
        {
            Grow(size);
        }
        return _array.AsMemory(_length);
    }

    public void Advance(int count) => _length += count;

    Memory<byte> IBufferWriter<byte>.GetMemory(int sizeHint) => GetMemory(Math.Max(sizeHint, 1));

    Span<byte> IBufferWriter<byte>.GetSpan(int sizeHint) => GetSpan(Math.Max(sizeHint, 1));

    /// <summary>Drops the first <paramref name="count"/> bytes, moving the rest to the front.</summary>
    public void DiscardFront(int count)
    {
        var rest = _length - count;
        _array.AsSpan(count, rest).CopyTo(_array);
        _length = rest;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    public void Write(in ReadOnlySequence<byte> bytes)
    {
        var n = checked((int)bytes.Length);
        bytes.CopyTo(GetSpan(n));
        _length += n;
    }

    public void WriteByte(byte b)
    {
        GetSpan(1)[0] = b;
        _length++;
    }

    /// <summary>Drops everything after the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length) => _length = Math.Min(_length, length);

    /// <summary>Puts <paramref name="bytes"/> before the current contents (rare: a handshake ahead of queued requests).</summary>
    public void Prepend(ReadOnlySpan<byte> bytes)
    {
        GetSpan(bytes.Length);
        _array.AsSpan(0, _length).CopyTo(_array.AsSpan(bytes.Length));
        bytes.CopyTo(_array);
        _length += bytes.Length;
    }

    /// <summary>
    /// Empties the buffer, keeping its array when it is at most <paramref name="keepUpTo"/> bytes
    /// (reused without touching the shared pool) and giving a larger one back.
    /// </summary>
    public void ClearKeepingSmall(int keepUpTo)
    {
        _length = 0;
        if (_array.Length > keepUpTo)
        {
            Release();
        }
    }

    /// <summary>Empties the buffer and gives its array back to the pool (an idle owner then holds nothing).</summary>
    public void Release()
    {
        _length = 0;
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = Array.Empty<byte>();
        }
    }

    public void Clear()
    {
        _length = 0;
        if (_array.Length > RetainLimit)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = Array.Empty<byte>();
        }
    }

    private void Grow(int size)
    {
        var needed = (long)_length + size;
        var newSize = Math.Max(Math.Max(256, _array.Length * 2L), needed);
        var next = ArrayPool<byte>.Shared.Rent((int)Math.Min(newSize, Array.MaxLength));
        _array.AsSpan(0, _length).CopyTo(next);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
        _array = next;
    }
}
