using System.Runtime.InteropServices;

namespace Sharpcracker.Common.Interop;

/// <summary>
/// Every native call of the proxy. The worker loop's: epoll, eventfd and accept4, which .NET has
/// no allocation-free, exception-free form of (engine.md §2); the daemon's (setsid, open, dup2),
/// max_openfiles' (getrlimit, setrlimit) and start-up's SIGHUP check (sigaction, signal).
/// Everything else goes through <see cref="System.Net.Sockets.Socket"/>'s synchronous span
/// methods, which neither throw nor allocate on a non-blocking socket. "libc" resolves through
/// the runtime's PAL on glibc and musl.
/// </summary>
internal static unsafe partial class Libc
{
    public const int EpollCloexec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;

    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    /// <summary>The peer closed its side (FIN): reported without EPOLLIN, so a session that does not read still sees a close.</summary>
    public const uint EpollRdHup = 0x2000;

    public const int EfdNonblock = 0x800;
    public const int EfdCloexec = 0x80000;
    public const int SockNonblock = 0x800;
    public const int SockCloexec = 0x80000;

    public const int EIntr = 4;
    public const int EAgain = 11;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, void* ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, void* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, void* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int accept4(int fd, void* addr, void* addrlen, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsid();

    private const int SigHup = 1;
    private const nint SigDfl = 0;
    private const nint SigIgn = 1;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sigaction(int signum, void* act, void* oldact);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint signal(int signum, nint handler);

    /// <summary>
    /// Sets SIGHUP back to its default action when the process started with it ignored. nohup starts its command that way, and .NET delivers no signal that was
    /// ignored at start to a <see cref="System.Runtime.InteropServices.PosixSignalRegistration"/>;
    /// so `nohup sharpcracker …` would neither reload nor reopen its log on SIGHUP, where nutcracker
    /// (whose sigaction replaces the inherited SIG_IGN) does. Call it before anything registers
    /// SIGHUP: only SIG_IGN is replaced, a handler already there is left alone.
    /// </summary>
    public static void UnignoreSigHup()
    {
        // Only the handler, the first member of struct sigaction in glibc and musl, is read; the
        // buffer is larger than either's struct (152 bytes on x86-64 glibc).
        var old = stackalloc byte[512];
        if (sigaction(SigHup, null, old) == 0 && *(nint*)old == SigIgn)
        {
            signal(SigHup, SigDfl);
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int dup2(int oldFd, int newFd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getrlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setrlimit(int resource, in Rlimit limit);

    /// <summary>struct rlimit (64-bit Linux: two unsigned longs).</summary>
    public struct Rlimit
    {
        public ulong Current;
        public ulong Max;
    }
}
