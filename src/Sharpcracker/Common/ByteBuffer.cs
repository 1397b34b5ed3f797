using System.Buffers;

namespace Sharpcracker.Common;

/// <summary>
/// A growable byte buffer over ArrayPool arrays, reused across requests so that steady-state
/// traffic allocates nothing. Not thread-safe: its owner says who may touch it.
/// </summary>
internal sealed class ByteBuffer : IBufferWriter<byte>
{
    // Buffers that grew past this (a huge value) go back to the pool once emptied.
    private const int RetainLimit = 256 * 1024;

    // Arrays larger than this come from the GC, not the shared pool, and are dropped when
    // released: the pool would keep a one-off 100 MiB value's arrays (and every smaller array
    // its growth passed through) alive for the life of the process.
    private const int PooledLimit = 1024 * 1024;

    // Dropping an array this large asks for a background collection (see Return).
    private const int HugeArray = 16 * 1024 * 1024;

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
            Return(_array);
            _array = Array.Empty<byte>();
        }
    }

    public void Clear()
    {
        _length = 0;
        if (_array.Length > RetainLimit)
        {
            Return(_array);
            _array = Array.Empty<byte>();
        }
    }

    private static byte[] Rent(long size)
    {
        var n = (int)Math.Min(size, Array.MaxLength);
        return n > PooledLimit ? GC.AllocateUninitializedArray<byte>(n) : ArrayPool<byte>.Shared.Rent(n);
    }

    private static void Return(byte[] array)
    {
        if (array.Length <= PooledLimit)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
        else if (array.Length >= HugeArray)
        {
            // The caller drops its last reference right after this call. A background gen2
            // collection gives a huge value's memory back soon instead of at the next natural
            // gen2, which a proxy's tiny steady-state allocation rate may not reach for hours.
            GC.Collect(2, GCCollectionMode.Forced, blocking: false);
        }
    }

    private void Grow(int size)
    {
        var needed = (long)_length + size;
        var newSize = Math.Max(Math.Max(256, _array.Length * 2L), needed);
        var next = Rent(newSize);
        _array.AsSpan(0, _length).CopyTo(next);
        if (_array.Length > 0)
        {
            Return(_array);
        }
        _array = next;
    }
}
