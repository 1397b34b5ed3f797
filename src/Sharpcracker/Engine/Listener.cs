using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Sharpcracker.Common.Interop;

namespace Sharpcracker.Engine;

/// <summary>
/// The acceptor of one pool's listening socket (TCP or unix), registered in one worker's epoll.
/// Each readable event accepts what is queued with accept4 (non-blocking, no exception when the
/// queue is empty: engine.md §2) and hands every connection to the pool, which assigns it to the
/// least-loaded worker through that worker's inbox.
/// </summary>
internal sealed unsafe class Listener : IEventHandler
{
    /// <summary>Connections taken per readiness event, so one busy listener cannot starve the worker's other sockets.</summary>
    private const int AcceptBatch = 64;
    /// <summary>How long accepting pauses when the process or system is out of descriptors or memory.</summary>
    public const int ResourcePauseMs = 100;

    private readonly Socket _socket;
    private readonly int _fd;
    private readonly IPool _pool;
    private readonly ILogger _logger;
    private readonly bool _tcp;
    private int _slot = -1;
    private bool _paused;
    private bool _stopped; // acceptor thread only
    private long _failedAccepts;

    public Listener(Socket socket, IPool pool, Worker acceptor, ILogger logger)
    {
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _pool = pool;
        Acceptor = acceptor;
        _logger = logger;
        _tcp = socket.AddressFamily != AddressFamily.Unix;
    }

    public Worker Acceptor { get; }

    /// <summary>Acceptor thread: starts accepting (nothing once stopped: a start deferred until discovery may come after a stop).</summary>
    public void Start()
    {
        Acceptor.AssertOwned();
        if (_stopped)
        {
            return;
        }
        _slot = Acceptor.Register(_fd, this, Libc.EpollIn);
    }

    public void OnEvents(uint events)
    {
        Acceptor.AssertOwned();
        for (var i = 0; i < AcceptBatch; i++)
        {
            var fd = Libc.accept4(_fd, null, null, Libc.SockNonblock | Libc.SockCloexec);
            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.EAgain && errno != Libc.EIntr && errno != ConnectionAborted)
                {
                    PauseAccepting(errno);
                }
                return;
            }
            // The fd is already non-blocking; Socket reads its mode from the fd but still believes
            // it blocks until told otherwise (engine.md §2, "Wrapping pitfall").
            var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true)) { Blocking = false };
            _pool.Accept(socket, _tcp);
        }
    }

    private const int ConnectionAborted = 103; // ECONNABORTED: the client gave up while queued

    /// <summary>
    /// EMFILE, ENFILE, ENOBUFS, ENOMEM…: the connection stays queued and the listener stays
    /// readable, so a level-triggered loop would retry (and log) without end. Stop watching the
    /// listener for <see cref="ResourcePauseMs"/>, log once per pause, then try again.
    /// </summary>
    private void PauseAccepting(int errno)
    {
        _failedAccepts++;
        if (_paused || _slot < 0)
        {
            return;
        }
        _paused = true;
        Acceptor.Modify(_slot, _fd, 0);
        _logger.AcceptFailed(_pool.Name, errno, _failedAccepts, ResourcePauseMs);
        Acceptor.RunAfter(ResourcePauseMs, Resume);
    }

    /// <summary>Acceptor thread: watch the listener again after a pause.</summary>
    private void Resume()
    {
        if (_paused && _slot >= 0)
        {
            _paused = false;
            Acceptor.Modify(_slot, _fd, Libc.EpollIn);
        }
    }

    /// <summary>Acceptor thread: stops accepting and closes the listening socket.</summary>
    public void Stop()
    {
        Acceptor.AssertOwned();
        _stopped = true;
        if (_slot >= 0)
        {
            Acceptor.Unregister(_slot, _fd);
            _slot = -1;
        }
        _socket.Dispose();
    }
}
