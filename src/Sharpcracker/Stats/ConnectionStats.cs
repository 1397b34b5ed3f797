using System.Diagnostics;
using Sharpcracker.Common;
using Sharpcracker.Engine;

namespace Sharpcracker.Stats;

/// <summary>
/// The counters and queue gauges of one server connection. Invariant: every mutator is called
/// by the connection's owning worker, so the plain fields have one writer and need no
/// interlocked operation (no shared cache line is written per request); the stats readers sum
/// every connection of a server (values may be a moment old, never torn).
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
    private long _requests;
    private long _requestBytes;
    private long _responses;
    private long _responseBytes;
    private long _lastReplyAt; // Stopwatch ticks (the worker's pass clock) of the latest reply; 0: none yet
    private readonly LatencyHistogram[] _latency = LatencyHistogram.NewSet();

    /// <summary>Before a request's bytes are appended: the send buffer's length.</summary>
    public void BeginRequest(int pendingLength) => _mark = pendingLength;

    /// <summary>
    /// The request's bytes were appended (the buffer is now <paramref name="pendingLength"/> long)
    /// and it is queued at <paramref name="timestamp"/> (Stopwatch ticks: the worker's pass clock).
    /// </summary>
    public void Committed(CountedRequest request, int pendingLength, long timestamp)
    {
        var bytes = pendingLength - _mark;
        request.StatsBytes = bytes;
        request.StatsStart = timestamp;
        Volatile.Write(ref _inQueue, _inQueue + 1);
        Volatile.Write(ref _inQueueBytes, _inQueueBytes + bytes);
        Volatile.Write(ref _requests, _requests + 1);
        Volatile.Write(ref _requestBytes, _requestBytes + bytes);
    }

    /// <summary>The write loop took the whole send buffer: every queued request is now outgoing.</summary>
    public void Sent()
    {
        Volatile.Write(ref _outQueue, _outQueue + _inQueue);
        Volatile.Write(ref _outQueueBytes, _outQueueBytes + _inQueueBytes);
        Volatile.Write(ref _inQueue, 0);
        Volatile.Write(ref _inQueueBytes, 0);
    }

    /// <summary>The FIFO head got its complete reply of <paramref name="replyBytes"/> bytes at <paramref name="timestamp"/> and was dequeued.</summary>
    public void Replied(CountedRequest request, int replyBytes, long timestamp)
    {
        if (_outQueue > 0)
        {
            Volatile.Write(ref _outQueue, _outQueue - 1);
            Volatile.Write(ref _outQueueBytes, Math.Max(0, _outQueueBytes - request.StatsBytes));
        }
        Volatile.Write(ref _responses, _responses + 1);
        Volatile.Write(ref _lastReplyAt, timestamp); // a field of this object already written per reply: no new shared line
        Volatile.Write(ref _responseBytes, _responseBytes + replyBytes);
        var elapsed = Math.Max(0, timestamp - request.StatsStart);
        var commandClass = (int)request.StatsClass < CommandClasses.Count ? request.StatsClass : CommandClass.Other;
        _latency[(int)commandClass].RecordSingleWriter(elapsed);
        server.RecordMeter(elapsed, commandClass);
    }

    public void Connected()
    {
        Volatile.Write(ref _connected, 1);
        server.ConnectionOpened();
    }

    /// <summary>The connection was torn down; <paramref name="failedRequests"/> requests fail with <paramref name="failure"/>.</summary>
    public void Failed(ServerFailure failure, int failedRequests)
    {
        Volatile.Write(ref _connected, 0);
        Volatile.Write(ref _inQueue, 0);
        Volatile.Write(ref _inQueueBytes, 0);
        Volatile.Write(ref _outQueue, 0);
        Volatile.Write(ref _outQueueBytes, 0);
        server.ConnectionFailed(failure, failedRequests);
    }

    public long Requests => Volatile.Read(ref _requests);
    /// <summary>Stopwatch ticks of the latest reply on this connection, 0 when none.</summary>
    public long LastReplyAt => Volatile.Read(ref _lastReplyAt);
    public long RequestBytes => Volatile.Read(ref _requestBytes);
    public long Responses => Volatile.Read(ref _responses);
    public long ResponseBytes => Volatile.Read(ref _responseBytes);
    public LatencyHistogram LatencyOf(int commandClass) => _latency[commandClass];

    internal void AddTo(ref QueueSample sample)
    {
        sample.Connections += Volatile.Read(ref _connected);
        sample.InQueue += Volatile.Read(ref _inQueue);
        sample.InQueueBytes += Volatile.Read(ref _inQueueBytes);
        sample.OutQueue += Volatile.Read(ref _outQueue);
        sample.OutQueueBytes += Volatile.Read(ref _outQueueBytes);
    }
}
