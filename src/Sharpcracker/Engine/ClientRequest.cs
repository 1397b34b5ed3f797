using Sharpcracker.Common;
using Sharpcracker.Stats;

namespace Sharpcracker.Engine;

/// <summary>
/// What memcached and Redis requests share: completion (once, by whoever dequeues it from a
/// server connection, or locally), the fragments of a split request counting down into their
/// root (the split's <see cref="SplitPlan"/> is the root's), and the reply bytes. Owned by its client session and reused from the session's free list. The
/// session and every server connection it uses belong to one worker, so all of this runs on one
/// thread: plain fields, no interlocked operation.
/// </summary>
internal abstract class ClientRequest<TRequest> : ServerRequest
    where TRequest : ClientRequest<TRequest>
{
    private readonly ClientSession<TRequest> _session;
    private bool _done;
    private int _pending;
    private SplitPlan? _plan;

    protected ClientRequest(ClientSession<TRequest> session)
    {
        _session = session;
    }

    /// <summary>Fragment: the split request it is a part of; null for any other request.</summary>
    public TRequest? Root;
    public string? Error;
    public readonly ByteBuffer Reply = new();

    /// <summary>Split root: its fragments, in the order of its plan's fragments.</summary>
    public readonly List<TRequest> Fragments = [];

    /// <summary>Fragment: how far the merge has consumed its reply. The session's write loop only.</summary>
    public int MergeCursor;

    public bool IsDone => _done;

    /// <summary>
    /// Split root: which fragment serves each key. Made on a request's first split and kept with
    /// the pooled request, so later splits allocate nothing; reset with the request.
    /// </summary>
    public SplitPlan Plan => _plan ??= new SplitPlan();

    /// <summary>Fragments plus one for the sender, so the root cannot finish before all fragments are sent.</summary>
    public void BeginFragments(int count) => _pending = count + 1;

    /// <summary>The sender's share of <see cref="BeginFragments"/>: every fragment has been sent.</summary>
    public void FragmentsSent() => FragmentCompleted();

    /// <summary>Split root: the failure of its first failed fragment (no server answered it), if any.</summary>
    public string? FirstFragmentError()
    {
        foreach (var fragment in Fragments)
        {
            if (fragment.Error is { } error)
            {
                return error;
            }
        }
        return null;
    }

    public void MarkDoneLocally() => MarkDone();

    public override void OnFailure(ServerFailure failure)
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
        if (Root is null && _session.TryWriteDirect((TRequest)this, reply))
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
        if (Root is { } root)
        {
            root.FragmentCompleted();
        }
        else
        {
            MarkDone();
        }
    }

    private void FragmentCompleted()
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
        TimeoutMs = 0;
        StatsClass = Stats.CommandClass.Other; // dispatch sets it where a class applies
        Root = null;
        Error = null;
        MergeCursor = 0;
        Reply.Clear();
        Fragments.Clear();
        _plan?.Reset();
    }
}
