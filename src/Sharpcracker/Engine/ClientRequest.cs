using Sharpcracker.Proxy;

namespace Sharpcracker.Engine;

/// <summary>
/// What memcached and Redis requests share: completion (once, by whoever dequeues it from a
/// server connection, or locally), parts of a split request counting down into their root, and
/// the reply bytes. Owned by its client session and reused from the session's free list. The
/// session and every server connection it uses belong to one worker, so all of this runs on one
/// thread: plain fields, no interlocked operation.
/// </summary>
internal abstract class ClientRequest<TRequest> : BackendRequest
    where TRequest : ClientRequest<TRequest>
{
    private readonly ClientSession<TRequest> _session;
    private bool _done;
    private int _pending;

    protected ClientRequest(ClientSession<TRequest> session)
    {
        _session = session;
    }

    public TRequest? Parent;
    public string? Error;
    public readonly ByteBuffer Reply = new();
    public readonly List<TRequest> Children = [];

    /// <summary>Fragment: the server it goes to (index in the topology it was routed with). Dispatcher only.</summary>
    public int FragmentServer;

    /// <summary>Fragment: how far the merge has consumed its reply. The session's write loop only.</summary>
    public int MergeCursor;

    public bool IsDone => _done;

    /// <summary>Children plus one for the dispatcher, so the root cannot finish before all parts are sent.</summary>
    public void BeginChildren(int count) => _pending = count + 1;

    public void DispatchDone() => ChildCompleted();

    public void MarkDoneLocally() => MarkDone();

    public override void OnFailure(BackendFailure failure)
    {
        Error = failure.Text; // the client's SERVER_ERROR / -ERR text (no allocation: the failure holds it)
        Complete();
    }

    /// <summary>
    /// Keeps the reply for the client and completes. An aborted session will never write it, so
    /// its bytes are not held (the slow-reader bound).
    /// </summary>
    protected void KeepReplyAndComplete(ReadOnlySpan<byte> reply)
    {
        if (Parent is null && _session.TryWriteDirect((TRequest)this, reply))
        {
            return; // written to the client's output and recycled: touch nothing more
        }
        if (!_session.IsAborted)
        {
            Reply.Write(reply);
            _session.CountReplyBytes(reply.Length);
        }
        Complete();
    }

    protected void Complete()
    {
        if (Parent is { } parent)
        {
            parent.ChildCompleted();
        }
        else
        {
            MarkDone();
        }
    }

    private void ChildCompleted()
    {
        if (--_pending == 0)
        {
            MarkDone();
        }
    }

    private void MarkDone()
    {
        _done = true;
        _session.OnRequestDone();
    }

    /// <summary>Back to the state of a new request; subclasses reset their own fields and call this.</summary>
    public virtual void Reset()
    {
        _done = false;
        _pending = 0;
        StatsClass = Stats.CommandClass.Other; // dispatch sets it where a class applies
        Parent = null;
        Error = null;
        FragmentServer = 0;
        MergeCursor = 0;
        Reply.Clear();
        Children.Clear();
    }
}
