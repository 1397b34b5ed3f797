using Sharpcracker.Proxy;

namespace Sharpcracker.Redis;

internal enum RedisRequestKind : byte
{
    /// <summary>Answered by the proxy; Reply holds the bytes.</summary>
    Local,
    /// <summary>Forwarded to one server; the reply passed through.</summary>
    Single,
    /// <summary>Split over servers; Children are Fragments; the merge depends on <see cref="RedisRequest.Route"/>.</summary>
    Split,
    Fragment,
    /// <summary>Close the client once everything before it has been written (after writing Reply).</summary>
    Quit,
}

/// <summary>
/// One client command and, when split, one part of it. Owned by its session and reused from
/// the session's free list. Reply is written only by the thread that completes the request;
/// the session's writer reads it only after observing IsDone (volatile, release/acquire).
/// </summary>
internal sealed class RedisRequest : BackendRequest
{
    private int _done;
    private int _pending;
    // Elements still expected by the reply framer; valid only while the read loop's scan is non-zero
    // for this request (the request is the FIFO head then, so it cannot be recycled).
    private long _frameRemaining;

    public RedisRequest(RedisClientSession session)
    {
        Session = session;
    }

    public RedisClientSession Session { get; }
    public RedisRequestKind Kind;
    public RedisRoute Route;
    public RedisRequest? Parent;
    public string? Error;
    public readonly ByteBuffer Reply = new();
    public readonly List<RedisRequest> Children = [];

    /// <summary>Split: for each key in client order, which child serves it.</summary>
    public int[] KeyChild = new int[16];
    public int KeyCount;

    /// <summary>Fragment: the server it goes to. Used by the dispatcher only.</summary>
    public int FragmentServer;
    /// <summary>Fragment: keys it carries. Used by the dispatcher only.</summary>
    public int FragmentKeys;
    /// <summary>Fragment: how far the merge has consumed its reply. Session write loop only.</summary>
    public int MergeCursor;

    public bool IsDone => Volatile.Read(ref _done) != 0;

    public void AddKeyChild(int child)
    {
        if (KeyCount == KeyChild.Length)
        {
            Array.Resize(ref KeyChild, KeyCount * 2);
        }
        KeyChild[KeyCount++] = child;
    }

    /// <summary>Children plus one for the dispatcher, so the root cannot finish before all parts are sent.</summary>
    public void BeginChildren(int count) => _pending = count + 1;

    public void DispatchDone() => ChildCompleted();

    public void MarkDoneLocally() => MarkDone();

    public override int TryFrame(ReadOnlySpan<byte> data, ref int scan) => RespReplyFramer.Frame(data, ref scan, ref _frameRemaining);

    public override void OnReply(ReadOnlySpan<byte> reply)
    {
        // An aborted session will never write it: do not hold the bytes (slow-reader bound).
        if (!Session.IsAborted)
        {
            Reply.Write(reply);
            Session.CountReplyBytes(reply.Length);
        }
        Complete();
    }

    public override void OnFailure(string reason)
    {
        Error = reason;
        Complete();
    }

    private void Complete()
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
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            MarkDone();
        }
    }

    private void MarkDone()
    {
        Volatile.Write(ref _done, 1);
        CompletionBatch.Notify(Session);
    }

    public void Reset()
    {
        _done = 0;
        _pending = 0;
        _frameRemaining = 0;
        Kind = RedisRequestKind.Local;
        Route = RedisRoute.None;
        Parent = null;
        Error = null;
        FragmentServer = 0;
        FragmentKeys = 0;
        MergeCursor = 0;
        KeyCount = 0;
        Reply.Clear();
        Children.Clear();
    }
}
