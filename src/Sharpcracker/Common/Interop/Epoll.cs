using System.Runtime.InteropServices;

namespace Sharpcracker.Common.Interop;

/// <summary>
/// One epoll instance (level-triggered, no EPOLLONESHOT: engine.md §"Implications" 1) and its
/// event array in native memory. <c>struct epoll_event</c> is packed on x86-64 (12 bytes, data at
/// offset 4) and naturally aligned elsewhere (16 bytes, data at 8), so events are read by offset.
/// Owned by one worker thread; only that thread calls <see cref="Wait"/>.
/// </summary>
internal sealed unsafe class Epoll : IDisposable
{
    private static readonly int s_stride = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int s_dataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private readonly int _fd;
    private readonly byte* _events;
    private readonly int _capacity;

    public Epoll(int capacity)
    {
        _fd = Libc.epoll_create1(Libc.EpollCloexec);
        if (_fd < 0)
        {
            throw new IOException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }
        _capacity = capacity;
        _events = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * s_stride));
    }

    /// <summary>Adds, modifies (<see cref="Libc.EpollCtlMod"/>) or removes an fd; false with errno on failure.</summary>
    public bool Control(int op, int fd, uint events, ulong data, out int errno)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + s_dataOffset) = data;
        if (Libc.epoll_ctl(_fd, op, fd, ev) == 0)
        {
            errno = 0;
            return true;
        }
        errno = Marshal.GetLastPInvokeError();
        return false;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> (-1: forever); the number of ready events (0 on EINTR).</summary>
    public int Wait(int timeoutMs)
    {
        var n = Libc.epoll_wait(_fd, _events, _capacity, timeoutMs);
        if (n < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EIntr)
            {
                return 0;
            }
            throw new IOException($"epoll_wait failed: errno {errno}");
        }
        return n;
    }

    public uint EventsAt(int i) => *(uint*)(_events + (i * s_stride));

    public ulong DataAt(int i) => *(ulong*)(_events + (i * s_stride) + s_dataOffset);

    public void Dispose()
    {
        Libc.close(_fd);
        NativeMemory.Free(_events);
    }
}
