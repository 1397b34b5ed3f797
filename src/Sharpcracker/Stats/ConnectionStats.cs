using System.Diagnostics;
using Sharpcracker.Engine;

namespace Sharpcracker.Stats;

/// <summary>
/// The queue gauges of one server connection. Invariant: every mutator is called with the
/// connection's own lock held (the one that orders its send buffer and in-flight FIFO), so the
/// plain fields have one writer at a time and need no interlocked operations; readers on the
/// stats threads read them without the lock (values may be a moment old, never torn).
/// in_queue = requests appended to the send buffer but not yet handed to the socket;
/// out_queue = requests handed to the socket and waiting for their reply.
/// </summary>
internal sealed class ConnectionStats(ServerStats server)
{
    private int _mark;
    private long _inQueue;
    private long _inQueueBytes;
    private long _outQueue;
    private long _outQueueBytes;
    private int _connected;

    /// <summary>Before a request's bytes are appended: the send buffer's length.</summary>
    public void BeginRequest(int pendingLength) => _mark = pendingLength;

    /// <summary>The request's bytes were appended (the buffer is now <paramref name="pendingLength"/> long) and it is queued.</summary>
    public void Committed(BackendRequest request, int pendingLength)
    {
        var bytes = pendingLength - _mark;
        request.StatsBytes = bytes;
        request.StatsStart = Stopwatch.GetTimestamp();
        Volatile.Write(ref _inQueue, _inQueue + 1);
        Volatile.Write(ref _inQueueBytes, _inQueueBytes + bytes);
        server.RequestForwarded(bytes);
    }

    /// <summary>The write loop took the whole send buffer: every queued request is now outgoing.</summary>
    public void Sent()
    {
        Volatile.Write(ref _outQueue, _outQueue + _inQueue);
        Volatile.Write(ref _outQueueBytes, _outQueueBytes + _inQueueBytes);
        Volatile.Write(ref _inQueue, 0);
        Volatile.Write(ref _inQueueBytes, 0);
    }

    /// <summary>The FIFO head got its complete reply of <paramref name="replyBytes"/> bytes and was dequeued.</summary>
    public void Replied(BackendRequest request, int replyBytes)
    {
        if (_outQueue > 0)
        {
            Volatile.Write(ref _outQueue, _outQueue - 1);
            Volatile.Write(ref _outQueueBytes, Math.Max(0, _outQueueBytes - request.StatsBytes));
        }
        server.Replied(request, replyBytes);
    }

    public void Connected()
    {
        Volatile.Write(ref _connected, 1);
        server.ConnectionOpened();
    }

    /// <summary>The connection was torn down; <paramref name="failedRequests"/> requests fail with <paramref name="reason"/>.</summary>
    public void Failed(string reason, int failedRequests)
    {
        Volatile.Write(ref _connected, 0);
        Volatile.Write(ref _inQueue, 0);
        Volatile.Write(ref _inQueueBytes, 0);
        Volatile.Write(ref _outQueue, 0);
        Volatile.Write(ref _outQueueBytes, 0);
        server.ConnectionFailed(reason, failedRequests);
    }

    internal void AddTo(ref QueueSample sample)
    {
        sample.Connections += Volatile.Read(ref _connected);
        sample.InQueue += Volatile.Read(ref _inQueue);
        sample.InQueueBytes += Volatile.Read(ref _inQueueBytes);
        sample.OutQueue += Volatile.Read(ref _outQueue);
        sample.OutQueueBytes += Volatile.Read(ref _outQueueBytes);
    }
}
