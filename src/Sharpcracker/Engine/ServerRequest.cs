using Sharpcracker.Common;
using Sharpcracker.Stats;
namespace Sharpcracker.Engine;

/// <summary>
/// A request as a server connection sees it: bytes written into the connection's send buffer
/// when it was queued (<see cref="ServerConnection.Enqueue{TWriter}"/>), a way to find where its reply ends, and a completion. Invariant: whoever dequeues a
/// request from a connection's in-flight FIFO completes it, exactly once, by OnReply or OnFailure.
/// </summary>
internal abstract class ServerRequest : CountedRequest
{
    /// <summary>Environment.TickCount64 when queued; the timeout counts from here (twemproxy's rule).</summary>
    public long EnqueuedAt;

    /// <summary>
    /// How long the connection waits for this request's reply: 0, the pool's <c>timeout</c>; a
    /// positive number of milliseconds (a blocking command: its own timeout plus the pool's); or
    /// <see cref="NoTimeout"/> (a command that may block forever). Set before it is queued.
    /// </summary>
    public long TimeoutMs;

    /// <summary><see cref="TimeoutMs"/>: the proxy never times the request out.</summary>
    public const long NoTimeout = -1;

    /// <summary>
    /// A stream (a pub/sub subscription): it stays at the head of its connection's FIFO and every
    /// framed reply is handed to its <see cref="OnReply"/> without dequeuing it; it leaves the FIFO
    /// only when the connection fails (ServerConnection.Push.cs).
    /// </summary>
    public virtual bool IsStream => false;

    /// <summary>
    /// Length of the complete reply at the start of data, 0 if more bytes are needed, -1 if malformed.
    /// <paramref name="scan"/> is framer state owned by the connection's read loop (not the request,
    /// which may be recycled while a failing read loop still looks at it).
    /// </summary>
    public abstract int TryFrame(ReadOnlySpan<byte> data, ref int scan);

    public abstract void OnReply(ReadOnlySpan<byte> reply);

    /// <summary>
    /// The connection failed (or refused the request during a back-off) with <paramref name="failure"/>;
    /// the same object is handed to every request that failure fails.
    /// </summary>
    public abstract void OnFailure(ServerFailure failure);
}
