using Sharpcracker.Proxy;

namespace Sharpcracker.Memcached;

internal enum McRequestKind : byte
{
    /// <summary>Answered by the proxy; Reply holds the bytes.</summary>
    Local,
    /// <summary>Forwarded to one server; a one-line reply passed through.</summary>
    Single,
    /// <summary>A get/gets/gat/gats forwarded whole to one server; the reply passed through.</summary>
    Retrieval,
    /// <summary>A retrieval split over several servers; its Children are Fragments.</summary>
    MultiGet,
    Fragment,
    /// <summary>Sent to every server (flush_all, verbosity); one reply back. Children are FanOutParts.</summary>
    FanOut,
    FanOutPart,
    /// <summary>Close the client once everything before it has been written.</summary>
    Quit,
    /// <summary>A meta command forwarded to one server; MetaQuiet says what of its reply the client sees.</summary>
    Meta,
}

/// <summary>
/// One client request and, when split, one part of it. Owned by its client session and reused
/// from the session's free list. Reply is written only by the thread that completes the
/// request; the session's writer reads it only after observing IsDone (volatile, release/acquire).
/// </summary>
internal sealed class McRequest : BackendRequest
{
    private int _done;
    private int _pending;

    public McRequest(McClientSession session)
    {
        Session = session;
    }

    public McClientSession Session { get; }
    public McRequestKind Kind;
    public bool Noreply;
    public McMetaQuiet MetaQuiet;
    public McRequest? Parent;
    public string? Error;
    public readonly ByteBuffer Reply = new();
    public readonly List<McRequest> Children = [];

    // Multi-get bookkeeping: the keys (copied out of the client's buffer), and which child serves each.
    public readonly ByteBuffer KeyBytes = new();
    public int KeyCount;
    public int[] KeyStarts = new int[16];
    public int[] KeyLengths = new int[16];
    public int[] KeyChild = new int[16];

    /// <summary>Fragment: the server it goes to. Read by the dispatcher only.</summary>
    public int FragmentServer;

    /// <summary>Fragment: how far the merge has consumed its reply. Used by the session's write loop only.</summary>
    public int MergeCursor;

    public bool IsDone => Volatile.Read(ref _done) != 0;

    public void AddKey(int start, int length)
    {
        if (KeyCount == KeyStarts.Length)
        {
            Array.Resize(ref KeyStarts, KeyCount * 2);
            Array.Resize(ref KeyLengths, KeyCount * 2);
            Array.Resize(ref KeyChild, KeyCount * 2);
        }
        KeyStarts[KeyCount] = start;
        KeyLengths[KeyCount] = length;
        KeyCount++;
    }

    public ReadOnlySpan<byte> Key(int i) => KeyBytes.Span.Slice(KeyStarts[i], KeyLengths[i]);

    /// <summary>Children plus one for the dispatcher, so the root cannot finish before all parts are sent.</summary>
    public void BeginChildren(int count) => _pending = count + 1;

    public void DispatchDone() => ChildCompleted();

    public void MarkDoneLocally() => MarkDone();

    public override int TryFrame(ReadOnlySpan<byte> data, ref int scan) => Kind switch
    {
        McRequestKind.Retrieval or McRequestKind.Fragment => McReplyFramer.FrameRetrieval(data, ref scan),
        McRequestKind.Meta => McMetaReplyFramer.Frame(data, MetaQuiet),
        _ => McReplyFramer.FrameLine(data),
    };

    public override void OnReply(ReadOnlySpan<byte> reply)
    {
        if (Kind == McRequestKind.Meta)
        {
            // Quiet meta commands: hide what memcached would have hidden under q.
            reply = McMetaReplyFramer.Visible(MetaQuiet, reply);
        }
        // An aborted session will never write it: do not hold the bytes (slow-reader bound).
        if ((!Noreply || Kind != McRequestKind.Single) && !Session.IsAborted)
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
        Kind = McRequestKind.Local;
        Noreply = false;
        MetaQuiet = McMetaQuiet.None;
        Parent = null;
        Error = null;
        FragmentServer = 0;
        MergeCursor = 0;
        Reply.Clear();
        Children.Clear();
        KeyBytes.Clear();
        KeyCount = 0;
    }
}
