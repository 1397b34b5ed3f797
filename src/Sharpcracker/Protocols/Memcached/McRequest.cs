using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// One memcached request, or one fragment of a split one (completion and reply handling are
/// <see cref="ClientRequest{TRequest}"/>'s).
/// </summary>
internal sealed class McRequest : ClientRequest<McRequest>
{
    private readonly McClientSession _session;

    public McRequest(McClientSession session)
        : base(session)
    {
        _session = session;
    }

    public McRequestKind Kind;
    public bool Noreply;
    public McMetaQuiet MetaQuiet;

    // Binary: the client's opcode and opaque; the opcode forwarded (the quiet one made loud, so the
    // server always answers); whether the reply is hidden as memcached's quiet opcodes hide it.
    public byte BinaryOpcode;
    public byte BinaryForward;
    public uint BinaryOpaque;
    public bool BinaryHidden;

    // A split retrieval's keys, copied out of the client's buffer for the merge (which fragment
    // serves each is the root's Plan).
    public readonly ByteBuffer KeyBytes = new();
    public int KeyCount;
    public int[] KeyStarts = new int[16];
    public int[] KeyLengths = new int[16];

    public void AddKey(int start, int length)
    {
        if (KeyCount == KeyStarts.Length)
        {
            Array.Resize(ref KeyStarts, KeyCount * 2);
            Array.Resize(ref KeyLengths, KeyCount * 2);
        }
        KeyStarts[KeyCount] = start;
        KeyLengths[KeyCount] = length;
        KeyCount++;
    }

    public ReadOnlySpan<byte> Key(int i) => KeyBytes.Span.Slice(KeyStarts[i], KeyLengths[i]);

    // A listener that routes (McClientSession.Routes.cs): the terminal this request went to, its
    // operation, how many of the terminal's pools it has tried, where a replicated read started,
    // and (failover, replicated, warm-up) its key in KeyBytes and its bytes to send again.
    public RouteNode? Route;
    public RouteOperation RouteOperation;
    public byte RouteAttempt;
    public byte RouteStart;
    private ByteBuffer? _command;

    /// <summary>The bytes sent to the server, kept to send again (made on first use: plain pools never need one).</summary>
    public ByteBuffer Command => _command ??= new ByteBuffer();

    /// <summary>A fragment of a replicated write whose replica had no server: it fails at once with <paramref name="reason"/>.</summary>
    public void FailUnsent(string reason)
    {
        Error = reason;
        Complete();
    }

    /// <summary>How the reply to a request of <paramref name="kind"/> ends (shared with the route's discarded copies).</summary>
    public static int Frame(McRequestKind kind, McMetaQuiet quiet, byte binaryForward, ReadOnlySpan<byte> data, ref int scan) => kind switch
    {
        McRequestKind.Retrieval or McRequestKind.RetrievalFragment => McReplyFramer.FrameRetrieval(data, ref scan),
        McRequestKind.Meta => McMetaReplyFramer.Frame(data, quiet),
        McRequestKind.Binary or McRequestKind.BinaryToEveryServerFragment => McBinary.FrameReply(data, binaryForward),
        _ => McReplyFramer.FrameLine(data),
    };

    public override int TryFrame(ReadOnlySpan<byte> data, ref int scan) => Frame(Kind, MetaQuiet, BinaryForward, data, ref scan);

    public override void OnFailure(ServerFailure failure)
    {
        if (Route is not null && _session.OnRoutedFailure(this, failure))
        {
            return; // sent again to the route's next pool
        }
        base.OnFailure(failure);
    }

    public override void OnReply(ReadOnlySpan<byte> reply)
    {
        if (Route is not null && _session.OnRoutedReply(this, reply))
        {
            return; // sent again to the route's next pool
        }
        if (Noreply && Kind == McRequestKind.Single)
        {
            Complete(); // the client asked for no reply
            return;
        }
        if (Kind == McRequestKind.Binary)
        {
            OnBinaryReply(reply);
            return;
        }
        if (Kind == McRequestKind.Meta)
        {
            // Quiet meta commands: hide what memcached would have hidden under q.
            reply = McMetaReplyFramer.Visible(MetaQuiet, reply);
        }
        KeepReplyAndComplete(reply);
    }

    /// <summary>
    /// A binary reply: hidden when memcached's quiet opcode would have hidden it (a quiet get's
    /// miss, another quiet command's success), passed through when the client's opcode was
    /// forwarded, else kept with the client's quiet opcode written back (memcached echoes it).
    /// </summary>
    private void OnBinaryReply(ReadOnlySpan<byte> reply)
    {
        if (Noreply)
        {
            BinaryHidden = true;
            Complete();
            return;
        }
        if (BinaryOpcode == BinaryForward)
        {
            KeepReplyAndComplete(reply);
            return;
        }
        var status = McBinary.Status(reply);
        if (McBinary.IsQuietGet(BinaryOpcode) ? status == McBinary.KeyNotFound : status == McBinary.Success)
        {
            BinaryHidden = true;
            Complete();
            return;
        }
        if (!_session.IsAborted)
        {
            var span = Reply.GetSpan(reply.Length);
            reply.CopyTo(span);
            span[1] = BinaryOpcode;
            Reply.Advance(reply.Length);
            _session.CountReplyBytes(reply.Length);
        }
        Complete();
    }

    public override void Reset()
    {
        base.Reset();
        Kind = McRequestKind.Local;
        Noreply = false;
        MetaQuiet = McMetaQuiet.None;
        BinaryOpcode = 0;
        BinaryForward = 0;
        BinaryOpaque = 0;
        BinaryHidden = false;
        KeyBytes.Clear();
        KeyCount = 0;
        Route = null;
        RouteOperation = RouteOperation.Other;
        RouteAttempt = 0;
        RouteStart = 0;
        _command?.Clear();
    }
}
