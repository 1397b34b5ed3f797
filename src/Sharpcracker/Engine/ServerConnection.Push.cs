using System.Diagnostics;

namespace Sharpcracker.Engine;

/// <summary>
/// Push traffic (a Redis subscription connection): one long-lived stream request
/// (<see cref="ServerRequest.IsStream"/>) sits at the FIFO head and receives every framed reply
/// — confirmations and messages alike — without leaving the FIFO; commands for it (SUBSCRIBE,
/// UNSUBSCRIBE) are written with <see cref="WriteToStream"/> and add no FIFO entry, since their
/// replies are frames of the stream. The stream leaves the FIFO only with a failure (or
/// <see cref="Close"/>), which completes it by <see cref="ServerRequest.OnFailure"/> like any
/// request. Only dedicated connections carry a stream (<see cref="PoolServer.RentDedicated"/>),
/// so no shared request can queue behind it.
/// </summary>
internal sealed partial class ServerConnection
{
    private ServerRequest? _stream;        // the stream opened by OpenStream, until a failure drops it
    private int _streamGeneration = -1;    // _generation when it was opened: a failure since ended it

    /// <summary>The stream opened on this connection is still queued (no failure since).</summary>
    public bool HasStream => _stream is not null && _streamGeneration == _generation && State != ServerConnectionState.Disconnected;

    /// <summary>
    /// Queues <paramref name="stream"/> with its first command <paramref name="bytes"/> (connecting
    /// first when needed). As with <see cref="Enqueue{TWriter}"/>, a server in back-off or ejected
    /// fails it at once (<see cref="ServerRequest.OnFailure"/> inside this call). False then.
    /// </summary>
    public bool OpenStream(ServerRequest stream, ReadOnlySpan<byte> bytes)
    {
        AssertOwned();
        Debug.Assert(stream.IsStream && stream.TimeoutMs == ServerRequest.NoTimeout, "a stream never times out");
        Debug.Assert(IsDedicated && _inflight.Count == _handshakeReplies, "a stream owns its dedicated connection");
        var generation = _generation;
        Enqueue(stream, bytes);
        if (_generation != generation || State == ServerConnectionState.Disconnected)
        {
            return false; // refused (back-off, ejected): already failed
        }
        _stream = stream;
        _streamGeneration = _generation;
        return true;
    }

    /// <summary>
    /// Appends a command for the open stream (its replies arrive as stream frames); sent at the
    /// end of the pass. False, writing nothing, when the stream has ended.
    /// </summary>
    public bool WriteToStream(ReadOnlySpan<byte> bytes)
    {
        AssertOwned();
        if (!HasStream)
        {
            return false;
        }
        _output.Write(bytes);
        if (!_dirty)
        {
            _dirty = true;
            _worker.MarkDirty(this);
        }
        return true;
    }

    /// <summary>A frame for the stream at the FIFO head: consumed from the input, the stream stays queued.</summary>
    private void DeliverToStream(ServerRequest stream, ReadOnlySpan<byte> frame)
    {
        _scan = 0;
        _inputStart += frame.Length;
        _answered = true;
        stream.OnReply(frame); // may fail the connection (then the input is cleared and delivery stops)
    }
}
