using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Sharpcracker.Testing;

/// <summary>
/// A fault-injecting TCP relay on a loopback port, between the proxy (which connects to
/// <see cref="Port"/>) and a real server on <c>127.0.0.1:target</c>. Each accepted connection gets
/// its own upstream connection and two pumps (server → proxy, proxy → server); every chunk a pump
/// reads is passed on as the current <see cref="Fault"/> says (<see cref="FaultKind"/>). The fault
/// can be changed at any moment and applies to connections already open; the one-shot faults
/// (<see cref="FaultKind.ResetMidReply"/>, <see cref="FaultKind.HalfClose"/>) hit exactly one
/// reply chunk and then lift themselves.
/// </summary>
public sealed class FaultRelay : IDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly Lock _gate = new();
    private FaultKind _fault;
    private TaskCompletionSource _changed = NewSignal();
    private int _accepted;
    private int _open;
    private int _closedByProxy;

    public FaultRelay(int targetPort)
    {
        _target = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(1024);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    /// <summary>The port the proxy connects to.</summary>
    public int Port { get; }

    /// <summary>Milliseconds each chunk is held under <see cref="FaultKind.Latency"/>.</summary>
    public int LatencyMs { get; set; } = 100;

    /// <summary>Bytes per second each direction may carry under <see cref="FaultKind.Bandwidth"/>.</summary>
    public int BytesPerSecond { get; set; } = 64 * 1024;

    public FaultKind Fault
    {
        get
        {
            lock (_gate)
            {
                return _fault;
            }
        }
    }

    /// <summary>Connections the relay accepted from the proxy so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Proxy-side connections open now (a connection the proxy gave up on must leave this count).</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Connections the proxy closed (its FIN or reset reached the relay).</summary>
    public int ClosedByProxy => Volatile.Read(ref _closedByProxy);

    /// <summary>Sets the fault for every connection, open or future; held bytes re-read it at once.</summary>
    public void Set(FaultKind fault)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _fault = fault;
            changed = _changed;
            _changed = NewSignal();
        }
        changed.TrySetResult();
    }

    /// <summary>Back to <see cref="FaultKind.None"/>.</summary>
    public void Lift() => Set(FaultKind.None);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private (FaultKind Fault, Task Changed) Current()
    {
        lock (_gate)
        {
            return (_fault, _changed.Task);
        }
    }

    /// <summary>Takes a one-shot fault if it is still set (one connection gets it), lifting it.</summary>
    private bool TryConsume(FaultKind oneShot)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (_fault != oneShot)
            {
                return false;
            }
            _fault = FaultKind.None;
            changed = _changed;
            _changed = NewSignal();
        }
        changed.TrySetResult();
        return true;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket down;
            try
            {
                down = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            down.NoDelay = true;
            Interlocked.Increment(ref _accepted);
            Interlocked.Increment(ref _open);
            _sockets.TryAdd(down, 0);
            _ = ServeAsync(down);
        }
    }

    private async Task ServeAsync(Socket down)
    {
        Socket? up = null;
        try
        {
            if (Current().Fault == FaultKind.BlackHole)
            {
                await SwallowAsync(down);
                return;
            }
            up = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            _sockets.TryAdd(up, 0);
            try
            {
                await up.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                return; // the server is gone: the proxy sees its connection closed
            }
            var link = new FaultRelayLink(down, up);
            await Task.WhenAll(PumpAsync(link, toProxy: true), PumpAsync(link, toProxy: false));
        }
        finally
        {
            Close(down);
            if (up is not null)
            {
                Close(up);
            }
            Interlocked.Decrement(ref _open);
        }
    }

    /// <summary>A connection accepted under <see cref="FaultKind.BlackHole"/>: read and drop until the proxy closes it or the fault lifts (then closed: it has no server behind it).</summary>
    private async Task SwallowAsync(Socket down)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var (fault, changed) = Current();
            if (fault != FaultKind.BlackHole)
            {
                return;
            }
            var receive = down.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).AsTask();
            if (await Task.WhenAny(receive, changed) == changed)
            {
                return; // closing the socket ends the pending receive
            }
            int n;
            try
            {
                n = await receive;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            if (n == 0)
            {
                Interlocked.Increment(ref _closedByProxy);
                return;
            }
        }
    }

    /// <summary>One direction of a connection: read a chunk, pass it on under the current fault, until either side ends.</summary>
    private async Task PumpAsync(FaultRelayLink link, bool toProxy)
    {
        var (source, target) = toProxy ? (link.Up, link.Down) : (link.Down, link.Up);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await source.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    if (!toProxy)
                    {
                        Interlocked.Increment(ref _closedByProxy);
                    }
                    if (!link.HalfClosed || !toProxy)
                    {
                        target.Shutdown(SocketShutdown.Send);
                    }
                    return;
                }
                await ForwardAsync(link, buffer.AsMemory(0, n), target, toProxy);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            if (!toProxy && e is SocketException { SocketErrorCode: SocketError.ConnectionReset })
            {
                Interlocked.Increment(ref _closedByProxy);
            }
            // Either side failed: end both directions.
            Close(link.Down);
            Close(link.Up);
        }
    }

    private async Task ForwardAsync(FaultRelayLink link, Memory<byte> data, Socket target, bool toProxy)
    {
        while (true)
        {
            if (toProxy && link.HalfClosed)
            {
                return; // the proxy's side got its FIN: whatever the server still sends is dropped
            }
            var (fault, changed) = Current();
            switch (fault)
            {
                case FaultKind.Stall:
                    await changed.WaitAsync(_stop.Token);
                    continue;
                case FaultKind.BlackHole:
                    return;
                case FaultKind.Latency:
                    await Task.Delay(LatencyMs, _stop.Token);
                    await SendAllAsync(target, data);
                    return;
                case FaultKind.Bandwidth:
                    var slice = Math.Max(1, BytesPerSecond / 100);
                    for (var at = 0; at < data.Length; at += slice)
                    {
                        await SendAllAsync(target, data[at..Math.Min(data.Length, at + slice)]);
                        await Task.Delay(10, _stop.Token);
                    }
                    return;
                case FaultKind.OneByteSegments:
                    for (var at = 0; at < data.Length; at++)
                    {
                        await SendAllAsync(target, data.Slice(at, 1));
                    }
                    return;
                case FaultKind.ResetMidReply when toProxy:
                    if (!TryConsume(FaultKind.ResetMidReply))
                    {
                        continue;
                    }
                    await SendAllAsync(target, data[..(data.Length / 2)]);
                    // SO_LINGER 0: close sends RST instead of FIN.
                    link.Down.LingerState = new LingerOption(true, 0);
                    Close(link.Down);
                    Close(link.Up);
                    return;
                case FaultKind.HalfClose when toProxy:
                    if (!TryConsume(FaultKind.HalfClose))
                    {
                        continue;
                    }
                    await SendAllAsync(target, data[..(data.Length / 2)]);
                    link.HalfClosed = true;
                    link.Down.Shutdown(SocketShutdown.Send);
                    return;
                default:
                    await SendAllAsync(target, data);
                    return;
            }
        }
    }

    private async Task SendAllAsync(Socket target, ReadOnlyMemory<byte> data)
    {
        while (data.Length > 0)
        {
            var sent = await target.SendAsync(data, SocketFlags.None, _stop.Token);
            data = data[sent..];
        }
    }

    private void Close(Socket socket)
    {
        if (_sockets.TryRemove(socket, out _))
        {
            socket.Dispose();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var socket in _sockets.Keys)
        {
            Close(socket);
        }
    }

}
