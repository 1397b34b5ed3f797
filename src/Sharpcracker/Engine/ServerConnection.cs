using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sharpcracker.Common;
using Sharpcracker.Common.Interop;
using Sharpcracker.Stats;

namespace Sharpcracker.Engine;

/// <summary>
/// One connection from one worker to one backend, used by every client of that worker routed to
/// the server (server_connections of them per worker and server). Owned by its worker: clients
/// append request bytes to <see cref="_output"/> and the request to the in-flight FIFO in the same
/// step, so FIFO order is byte order, without a lock. The worker flushes the output once per loop
/// pass (many clients' requests in one send); replies are framed from the receive buffer and
/// handed to the FIFO head. Any error, desync or timeout fails every queued request and drops the
/// socket; the next request reconnects.
/// <para>Invariants: a request's bytes are in the output exactly when the request is in the FIFO,
/// in the same order (<see cref="Enqueue{TWriter}"/> is the only way in, and writes nothing for a
/// refused request); every request that leaves the FIFO is completed once, by its reply or by the
/// connection's <see cref="ServerFailure"/>; every member runs on the owning worker's thread
/// (asserted in Debug builds).</para>
/// </summary>
internal sealed partial class ServerConnection : IEventHandler, IFlushable
{
    private readonly PoolServer _server;
    private readonly Worker _worker;
    private readonly ILogger _logger;
    private readonly Queue<ServerRequest> _inflight = new();
    private readonly ByteBuffer _output = new();
    private int _outputSent;        // bytes at the front of _output the socket already took
    private readonly ByteBuffer _input = new();
    private int _inputStart;        // framed bytes at the front of _input
    private int _scan;              // the FIFO head's framer state
    private Socket? _socket;
    private int _fd;
    private int _slot = -1;
    private uint _interest;
    private bool _dirty;
    private int _generation;        // bumped by every failure; a late DNS answer for an old attempt is ignored
    private int _handshakeReplies;  // handshake replies still expected at the FIFO head (Handshaking while > 0)
    private bool _answered;         // a reply (handshake or request) arrived since the connect: the connect worked
    private volatile int _inflightCount; // _inflight.Count for other threads (reload drain)
    // Back-pressure (server_inflight_limit): clients pause once the FIFO reaches the limit and are
    // resumed together when it drains below the low-water mark or the connection fails.
    private readonly int _inflightLimit;
    private readonly int _inflightLowWater;
    private readonly List<IClientConnection> _roomWaiters = [];
    private readonly List<ServerRequest> _failing = [];
    private readonly Stats.ConnectionStats _stats;

    private readonly ServerDialect _dialect;

    /// <param name="stats">A dedicated connection's counters, reused from a closed one (null: new ones).</param>
    public ServerConnection(PoolServer server, Worker worker, ILogger logger, int inflightLimit, ServerDialect dialect = ServerDialect.Default,
        Stats.ConnectionStats? stats = null, bool dedicated = false)
    {
        _server = server;
        _dialect = dialect;
        _worker = worker;
        _logger = logger;
        _inflightLimit = Math.Max(1, inflightLimit);
        _inflightLowWater = _inflightLimit - Math.Max(1, _inflightLimit / 4);
        _stats = stats ?? server.Stats.AddConnection();
        IsDedicated = dedicated;
        worker.AddServerConnection(this);
    }

    /// <summary>Lent to one client at a time (<see cref="PoolServer.RentDedicated"/>), never shared.</summary>
    public bool IsDedicated { get; }

    public ServerDialect Dialect => _dialect;

    /// <summary>
    /// Bumped by every failure: a client that holds state on a dedicated connection (a transaction,
    /// WATCH) compares it to learn that the state was lost with the socket.
    /// </summary>
    public int Generation => _generation;

    public PoolServer Server => _server;

    /// <summary>A dedicated connection's counters, handed to the next one when it closes.</summary>
    internal Stats.ConnectionStats Counters => _stats;

    public ServerConnectionState State { get; private set; }

    public Worker Worker => _worker;

    /// <summary>Any thread: nothing waits for a reply (a removed server may be closed).</summary>
    public bool IsIdle => _inflightCount == 0;

    /// <summary>
    /// Queues <paramref name="request"/>: <paramref name="writer"/> appends its bytes to the output
    /// (<see cref="IRequestWriter{TSelf}.Write"/>), and the request joins
    /// the in-flight FIFO in the same step, so byte order is FIFO order. The worker flushes at the
    /// end of the pass. When the server is ejected or backing off the request fails at once with
    /// the last failure (no connect attempt) and nothing is written. Returns true when the
    /// connection has reached server_inflight_limit: the client should pause and <see cref="WaitForRoom"/>.
    /// </summary>
    public bool Enqueue<TWriter>(ServerRequest request, scoped in TWriter writer)
        where TWriter : IRequestWriter<TWriter>, allows ref struct
    {
        AssertOwned();
        // Before the connect, whose handshake bytes join this request's in the stats (as they always did).
        var mark = _output.Length;
        var now = _worker.Now; // the pass's clock: no clock read per request
        if (State == ServerConnectionState.Disconnected)
        {
            // Cold path: the real clock, since a failure earlier in this pass set the back-off
            // window from it, and the pass clock would still be inside that window.
            now = Environment.TickCount64;
            if (_server.Health.TryBeginConnect(now) is { } refused)
            {
                _server.Stats.Pool.ForwardErrors(1); // not forwarded: a forward error, not a server error
                request.OnFailure(refused);
                return false;
            }
            StartConnect(now);
        }
        _stats.BeginRequest(mark);
        TWriter.Write(_output, in writer);
        Debug.Assert(_output.Length > mark, "a request writes at least one byte");
        request.EnqueuedAt = now;
        _inflight.Enqueue(request);
        _inflightCount = _inflight.Count;
        _worker.Inflight++;
        Volatile.Write(ref _worker.Forwarded, _worker.Forwarded + 1);
        _stats.Committed(request, _output.Length, _worker.Timestamp);
        if (!_dirty)
        {
            _dirty = true;
            _worker.MarkDirty(this);
        }
        return _inflight.Count >= _inflightLimit;
    }

    /// <summary>Queues <paramref name="request"/> whose bytes are <paramref name="bytes"/> (see <see cref="Enqueue{TWriter}"/>).</summary>
    public bool Enqueue(ServerRequest request, ReadOnlySpan<byte> bytes) => Enqueue(request, new RequestBytes(bytes));

    /// <summary>A paused client, resumed once the FIFO drains below the low-water mark (or the connection fails).</summary>
    public void WaitForRoom(IClientConnection client)
    {
        AssertOwned();
        if (_inflight.Count < _inflightLimit)
        {
            client.RequestResume();
            return;
        }
        _roomWaiters.Add(client);
    }

    /// <summary>Opens the connection ahead of traffic (preconnect).</summary>
    public void Preconnect()
    {
        AssertOwned();
        var now = Environment.TickCount64;
        if (State == ServerConnectionState.Disconnected && _server.Health.TryBeginConnect(now) is null)
        {
            StartConnect(now);
        }
    }

    private void StartConnect(long now)
    {
        Debug.Assert(State == ServerConnectionState.Disconnected && _inflight.Count == 0 && _output.Length == 0, "a connect starts from nothing");
        SetState(ServerConnectionState.Connecting);
        if (_server.Pool.HandshakeFor(_dialect) is { } handshake)
        {
            // First on the connection: client requests queue behind it and are pipelined after it.
            _output.Write(handshake.Request);
            _handshakeReplies = handshake.Replies;
            for (var i = 0; i < handshake.Replies; i++)
            {
                var step = new HandshakeStep(i, handshake) { EnqueuedAt = now };
                _inflight.Enqueue(step);
                _worker.Inflight++;
            }
            _inflightCount = _inflight.Count;
        }
        var config = _server.Config;
        if (config.IsUnix)
        {
            BeginConnect(new UnixDomainSocketEndPoint(config.UnixPath!));
        }
        else if (IPAddress.TryParse(config.Host, out var ip))
        {
            BeginConnect(new IPEndPoint(ip, config.Port));
        }
        else
        {
            // Resolved at every connect, so a DNS change is picked up on reconnect; off the worker.
            SetState(ServerConnectionState.Resolving);
            _ = ResolveAsync(config.Host!, config.Port, _generation);
        }
    }

    private async Task ResolveAsync(string host, int port, int generation)
    {
        EndPoint? endpoint = null;
        ServerFailure? error = null;
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host).ConfigureAwait(false);
            endpoint = new IPEndPoint(addresses[0], port);
        }
        catch (Exception e) when (e is SocketException or ArgumentException or IndexOutOfRangeException)
        {
            error = ServerFailure.Resolve(e);
        }
        _worker.Post(() =>
        {
            if (_generation != generation || State != ServerConnectionState.Resolving)
            {
                return;
            }
            if (endpoint is null)
            {
                _logger.ServerConnectFailed(_server.Pool.Name, _server.Name, error!.Text);
                Fail(error);
                return;
            }
            SetState(ServerConnectionState.Connecting);
            BeginConnect(endpoint);
        });
    }

    private void BeginConnect(EndPoint endpoint)
    {
        var unix = endpoint is UnixDomainSocketEndPoint;
        Socket socket;
        try
        {
            socket = unix
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Blocking = false;
        }
        catch (SocketException e)
        {
            // Out of descriptors (EMFILE) or similar: the requests fail, the client stays.
            ConnectFailedLater(ServerFailure.SocketCreation(e));
            return;
        }
        var connected = false;
        try
        {
            socket.Connect(endpoint);
            connected = true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress or SocketError.IOPending)
        {
        }
        catch (SocketException e)
        {
            socket.Dispose();
            ConnectFailedLater(ServerFailure.FromSocketError(e.SocketErrorCode));
            return;
        }
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _interest = connected ? Libc.EpollIn : Libc.EpollOut;
        _slot = _worker.Register(_fd, this, _interest);
        if (connected)
        {
            OnConnected();
        }
    }

    /// <summary>
    /// A connect that failed inside the call that started it (a unix socket path that does not
    /// exist, no descriptors left): reported later in this pass, as a refused non-blocking connect
    /// would be, so the request being committed is queued first and fails with the others.
    /// </summary>
    private void ConnectFailedLater(ServerFailure failure)
    {
        var generation = _generation; // bumped by any failure in between: then this one is stale
        _worker.RunAfter(0, () =>
        {
            if (_generation == generation)
            {
                Debug.Assert(State is ServerConnectionState.Connecting or ServerConnectionState.Handshaking);
                ConnectFailed(failure);
            }
        });
    }

    private void ConnectFailed(ServerFailure failure)
    {
        _logger.ServerConnectFailed(_server.Pool.Name, _server.Name, failure.Text);
        Fail(failure);
    }

    /// <summary>The TCP (or unix) connect completed.</summary>
    private void OnConnected()
    {
        if (_server.Pool.Config.ServerTls is { } tls)
        {
            SetState(ServerConnectionState.Handshaking);
            StartTls(tls); // OnTransportReady once the TLS handshake completes (ServerConnection.Tls.cs)
            return;
        }
        OnTransportReady();
    }

    /// <summary>
    /// Bytes can flow: the connect completed and TLS, if any, is established. Connected, or
    /// Handshaking while handshake replies are outstanding (client requests are pipelined behind
    /// the handshake commands, not held back: no extra round trip).
    /// </summary>
    private void OnTransportReady()
    {
        SetState(_handshakeReplies > 0 ? ServerConnectionState.Handshaking : ServerConnectionState.Connected);
        _stats.Connected();
        _logger.ServerConnected(_server.Pool.Name, _server.Name);
        SetInterest(Libc.EpollIn);
        if (_output.Length > _outputSent && !_dirty)
        {
            _dirty = true;
            _worker.MarkDirty(this);
        }
    }

    public void OnEvents(uint events)
    {
        AssertOwned();
        try
        {
            HandleEvents(events);
        }
        catch (Exception e)
        {
            // A bug must cost this connection's requests, never the worker.
            _logger.ServerInternalError(e, _server.Pool.Name, _server.Name);
            Fail(ServerFailure.InternalError);
        }
    }

    private void HandleEvents(uint events)
    {
        if (State == ServerConnectionState.Connecting)
        {
            if ((events & (Libc.EpollErr | Libc.EpollHup)) != 0)
            {
                // The pending connect error, as the SocketError a receive reports it with.
                Span<byte> one = stackalloc byte[1];
                _socket!.Receive(one, SocketFlags.None, out var error);
                ConnectFailed(ServerFailure.FromSocketError(error == SocketError.Success ? SocketError.ConnectionRefused : error));
                return;
            }
            if ((events & Libc.EpollOut) != 0)
            {
                OnConnected();
                Flush();
            }
            return;
        }
        if (IsTlsNegotiating)
        {
            HandleTlsHandshake(events);
            return;
        }
        if (!IsTransportReady)
        {
            return;
        }
        if ((events & (Libc.EpollIn | Libc.EpollErr | Libc.EpollHup)) != 0)
        {
            Receive();
            // Decrypted replies left in the transport get no readiness event of their own.
            while (_tls is { HasInputToReport: true } && IsTransportReady)
            {
                Receive();
            }
        }
        if ((events & Libc.EpollOut) != 0 && IsTransportReady)
        {
            Send();
        }
    }

    /// <summary>Bytes flow both ways: Connected, or Handshaking with TLS (if any) established.</summary>
    private bool IsTransportReady => State switch
    {
        ServerConnectionState.Connected => true,
        ServerConnectionState.Handshaking => !IsTlsNegotiating,
        _ => false,
    };

    private void SetState(ServerConnectionState state)
    {
        Debug.Assert(state switch
        {
            ServerConnectionState.Disconnected => true, // any failure
            ServerConnectionState.Resolving => State == ServerConnectionState.Connecting,
            ServerConnectionState.Connecting => State is ServerConnectionState.Disconnected or ServerConnectionState.Resolving,
            ServerConnectionState.Handshaking => State is ServerConnectionState.Connecting or ServerConnectionState.Handshaking,
            ServerConnectionState.Connected => State is ServerConnectionState.Connecting or ServerConnectionState.Handshaking,
            _ => false,
        }, $"server connection: {State} -> {state}");
        State = state;
    }

    /// <summary>End of the loop pass: one send of everything queued since the last one.</summary>
    public void Flush()
    {
        AssertOwned();
        _dirty = false;
        if (!IsTransportReady || (_interest & Libc.EpollOut) != 0)
        {
            return; // not connected yet, or waiting for the socket to take the rest
        }
        Send();
    }

    private void Send()
    {
        var pending = _output.Length - _outputSent;
        if (pending <= 0 && _tls is not { HasPendingOutput: true })
        {
            SetInterest(Libc.EpollIn);
            return;
        }
        if (_outputSent == 0 && pending > 0)
        {
            _stats.Sent();
        }
        var sent = _tls is null
            ? _socket!.Send(_output.Span.Slice(_outputSent, pending), SocketFlags.None, out var error)
            : _tls.Send(_output.Memory.Slice(_outputSent, pending), out error); // one encrypted write per pass
        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            Fail(ServerFailure.FromSocketError(error));
            return;
        }
        _outputSent += Math.Max(0, sent);
        if (_outputSent == _output.Length)
        {
            _output.Clear();
            _outputSent = 0;
            SetInterest(_tls is { HasPendingOutput: true } ? Libc.EpollIn | Libc.EpollOut : Libc.EpollIn);
            return;
        }
        if (_outputSent > 64 * 1024)
        {
            _output.DiscardFront(_outputSent);
            _outputSent = 0;
        }
        SetInterest(Libc.EpollIn | Libc.EpollOut);
    }

    private void SetInterest(uint interest)
    {
        if (interest != _interest && _slot >= 0)
        {
            _interest = interest;
            _worker.Modify(_slot, _fd, interest);
        }
    }

    private void Receive()
    {
        // Keep unframed bytes at the front; grow only when a single reply needs it.
        if (_inputStart > 0)
        {
            _input.DiscardFront(_inputStart);
            _inputStart = 0;
        }
        var n = _tls is null
            ? _socket!.Receive(_input.GetSpan(16 * 1024), SocketFlags.None, out var error)
            : _tls.Receive(_input.GetSpan(16 * 1024), out error);
        if (error == SocketError.WouldBlock)
        {
            return;
        }
        if (error != SocketError.Success)
        {
            Fail(_tls?.Failure is { } tlsFailure ? ServerFailure.Tls(tlsFailure) : ServerFailure.FromSocketError(error));
            return;
        }
        if (n == 0)
        {
            Fail(ServerFailure.ServerClosed);
            return;
        }
        _input.Advance(n);
        DeliverReplies();
    }

    /// <summary>Frames every complete reply received and completes the matching requests in FIFO order.</summary>
    private void DeliverReplies()
    {
        var delivered = false;
        while (_inputStart < _input.Length)
        {
            var data = _input.Span[_inputStart..];
            if (!_inflight.TryPeek(out var head))
            {
                Desync("reply with no request in flight");
                return;
            }
            var length = head.TryFrame(data, ref _scan);
            if (length == 0)
            {
                break;
            }
            if (length < 0)
            {
                Desync("reply out of step with requests");
                return;
            }
            if (head.IsStream)
            {
                DeliverToStream(head, data[..length]); // stays at the head (ServerConnection.Push.cs)
                delivered = true;
                continue;
            }
            _inflight.Dequeue();
            _inflightCount = _inflight.Count;
            _worker.Inflight--;
            _scan = 0;
            _inputStart += length;
            _answered = true;
            if (head is HandshakeStep step)
            {
                Debug.Assert(State == ServerConnectionState.Handshaking && _handshakeReplies > 0);
                _handshakeReplies--;
                // Checked by the handshake that was sent (a reload may have changed the pool's since).
                if (step.Handshake.Check(step.Index, data[..length]) is { } refused)
                {
                    _logger.ServerRefused(_server.Pool.Name, _server.Name, refused.Text);
                    Fail(refused);
                    return;
                }
                if (_handshakeReplies == 0)
                {
                    SetState(ServerConnectionState.Connected);
                }
                continue;
            }
            _stats.Replied(head, length, _worker.Timestamp);
            head.OnReply(data[..length]);
            delivered = true;
        }
        if (_inputStart == _input.Length)
        {
            _input.Clear();
            _inputStart = 0;
        }
        if (delivered)
        {
            _server.Health.OnReply();
        }
        if (_roomWaiters.Count > 0 && _inflight.Count <= _inflightLowWater)
        {
            ReleaseRoomWaiters();
        }
    }

    private void Desync(string problem)
    {
        _logger.ServerDesync(_server.Pool.Name, _server.Name, problem);
        Fail(ServerFailure.Desync);
    }

    private void ReleaseRoomWaiters()
    {
        foreach (var client in _roomWaiters)
        {
            client.RequestResume();
        }
        _roomWaiters.Clear();
    }

    /// <summary>Timer: fails every request when the oldest is older than the pool's timeout (twemproxy's rule).</summary>
    public void CheckTimeout(long now)
    {
        AssertOwned();
        if (!_inflight.TryPeek(out var head))
        {
            return;
        }
        var timeout = head.TimeoutMs switch
        {
            ServerRequest.NoTimeout => 0,
            > 0 and var own => own,
            _ => _server.Pool.Config.TimeoutMs is { } t and > 0 ? t : head is HandshakeStep ? 10_000 : 0,
        };
        if (timeout <= 0 || now - head.EnqueuedAt < timeout)
        {
            return;
        }
        _logger.ServerRequestTimedOut(_server.Pool.Name, _server.Name, (int)Math.Min(timeout, int.MaxValue));
        Fail(ServerFailure.TimedOut);
    }

    /// <summary>
    /// Drops the socket and fails every queued request with <paramref name="failure"/>; counts it
    /// in stats (by kind) and, unless the proxy closed the connection itself (shutdown, removed
    /// server, master switch) or the server closed it while idle, as a server failure (ejection;
    /// back-off when the connection never answered: see <see cref="LossOf"/>).
    /// </summary>
    private void Fail(ServerFailure failure)
    {
        var countsAsFailure = failure.Kind is not (ServerFailureKind.ClosedByProxy or ServerFailureKind.Reset);
        var loss = LossOf(failure);
        _generation++;
        _answered = false;
        _stats.Failed(failure, _inflight.Count - _handshakeReplies);
        if (_tls is not null)
        {
            _tls.Dispose();
            _tls = null;
        }
        if (_socket is { } socket)
        {
            if (_slot >= 0)
            {
                _worker.Unregister(_slot, _fd);
                _slot = -1;
            }
            socket.Dispose();
            _socket = null;
        }
        _interest = 0;
        SetState(ServerConnectionState.Disconnected);
        _worker.Inflight -= _inflight.Count;
        foreach (var request in _inflight)
        {
            if (request is not HandshakeStep)
            {
                _failing.Add(request);
            }
        }
        _inflight.Clear();
        _inflightCount = 0;
        _handshakeReplies = 0;
        _output.Clear();
        _outputSent = 0;
        _input.Clear();
        _inputStart = 0;
        _scan = 0;
        ReleaseRoomWaiters();
        // Count the failure (back-off, ejection) before clients hear of it and send more.
        if (countsAsFailure && loss != ServerConnectionLoss.IdleClosed)
        {
            _server.ReportFailure(failure, loss);
        }
        foreach (var request in _failing)
        {
            request.OnFailure(failure);
        }
        _failing.Clear();
    }

    /// <summary>
    /// How far the connection had got when <paramref name="failure"/> ended it (called before
    /// <see cref="Fail"/> clears the state): closed or reset by the server with nothing in flight
    /// (handshake commands count as in flight) is an idle close; a connection that never answered
    /// failed to connect; otherwise it was lost with requests in flight.
    /// </summary>
    private ServerConnectionLoss LossOf(ServerFailure failure)
    {
        var closedByServer = failure.Kind == ServerFailureKind.ServerClosed
            || (failure.Kind == ServerFailureKind.Socket && failure.SocketError == SocketError.ConnectionReset);
        if (closedByServer && _inflight.Count == 0 && IsTransportReady)
        {
            return ServerConnectionLoss.IdleClosed;
        }
        return _answered ? ServerConnectionLoss.Lost : ServerConnectionLoss.ConnectFailed;
    }

    /// <summary>Closes the connection; whatever is still queued fails with the proxy's close reason.</summary>
    public void Close()
    {
        AssertOwned();
        _worker.RemoveServerConnection(this);
        if (State != ServerConnectionState.Disconnected || _inflight.Count > 0)
        {
            Fail(ServerFailure.ClosedByProxy);
        }
    }

    /// <summary>
    /// Fails what is in flight with <paramref name="failure"/> (a <see cref="ServerFailureKind.Reset"/>)
    /// and drops the socket, without counting a server failure; the next request reconnects (a
    /// replication group's master switched).
    /// </summary>
    public void Reset(ServerFailure failure)
    {
        AssertOwned();
        Debug.Assert(failure.Kind == ServerFailureKind.Reset);
        if (State != ServerConnectionState.Disconnected || _inflight.Count > 0)
        {
            Fail(failure);
        }
    }

    /// <summary>Debug builds: the caller is the owning worker's thread (<see cref="Worker.IsOwnerThread"/>).</summary>
    [Conditional("DEBUG")]
    private void AssertOwned() => _worker.AssertOwned();

    /// <summary>A handshake command queued ahead of client requests; its reply is checked, not delivered.</summary>
    private sealed class HandshakeStep(int index, IServerHandshake handshake) : ServerRequest
    {
        public int Index { get; } = index;

        public IServerHandshake Handshake { get; } = handshake;

        /// <summary>Handshake replies are small: framed afresh on every read, refused past 64 KiB.</summary>
        public override int TryFrame(ReadOnlySpan<byte> data, ref int scan)
        {
            var length = Handshake.ReplyLength(Index, data);
            return length == 0 && data.Length > 64 * 1024 ? -1 : length;
        }

        public override void OnReply(ReadOnlySpan<byte> reply)
        {
        }

        public override void OnFailure(ServerFailure failure)
        {
        }
    }
}
