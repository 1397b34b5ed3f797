using Sharpcracker.Common;
using Sharpcracker.Engine;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// One Redis command, or one fragment of a split one (completion and reply handling are
/// <see cref="ClientRequest{TRequest}"/>'s).
/// </summary>
internal sealed class RedisRequest : ClientRequest<RedisRequest>
{
    // Elements still expected by the reply framer; valid only while the read loop's scan is non-zero
    // for this request (the request is the FIFO head then, so it cannot be recycled).
    private long _frameRemaining;
    private readonly RedisClientSession _owner;

    public RedisRequest(RedisClientSession session)
        : base(session)
    {
        _owner = session;
    }

    public RedisRequestKind Kind;
    public RedisRoute Route;

    /// <summary>Kind Hello: the protocol the client asked for (2 or 3).</summary>
    public byte Protover;

    private ByteBuffer? _command;

    /// <summary>
    /// redis_cluster pools: the command's bytes as sent, kept for a MOVED/ASK retry; made on first
    /// use (a request of any other pool never holds one: memory per client).
    /// </summary>
    public ByteBuffer Command => _command ??= new ByteBuffer();

    /// <summary>The command's bytes are kept (a redis_cluster pool's request): a redirect may be followed.</summary>
    public bool KeepsCommand => _command is { Length: > 0 };

    /// <summary>redis_cluster pools: the server the command was last sent to, and how often it was redirected.</summary>
    public PoolServer? Server;
    public int Redirects;

    /// <summary>Kind Fanout: how the servers' replies merge (RedisClientSession.Keyspace.cs).</summary>
    public RedisFanout Fanout;

    /// <summary>
    /// Kind Fanout. Scan: the scanned server's index and how many servers the scan covers (the
    /// cursor's layout). Info: where in Reply (the proxy's own text) blocked_clients goes, and the
    /// client's protocol (2 or 3).
    /// </summary>
    public int FanoutIndex;
    public int FanoutCount;

    /// <summary>Kind PubSub: subscription connections' frames still awaited before the reply may be written (PubSubHub).</summary>
    public int PubSubWaits;

    /// <summary>Kind PubSub: subscriptions that start receiving once this reply is written (made on first use, kept with the request).</summary>
    public List<PubSubListener>? PubSubJoins;

    /// <summary>Kind PubSub, a PUBSUB query: its subcommand, which says how the servers' replies merge.</summary>
    public RedisCommandInfo? Subcommand;

    public override int TryFrame(ReadOnlySpan<byte> data, ref int scan) => RespReplyFramer.Frame(data, ref scan, ref _frameRemaining);

    public override void OnReply(ReadOnlySpan<byte> reply)
    {
        // A redis_cluster redirect is followed instead of delivered (RedisClientSession.Cluster.cs).
        if (KeepsCommand && reply.Length > 4 && reply[0] == (byte)'-' && _owner.TryRedirect(this, reply))
        {
            return;
        }
        KeepReplyAndComplete(reply);
    }

    public override void Reset()
    {
        if (Kind is RedisRequestKind.Local or RedisRequestKind.PubSub or RedisRequestKind.Hello)
        {
            // Replies the proxy writes itself (PING, SUBSCRIBE's confirmations, …) are rare on a
            // client that sends them: the buffer goes back to the pool instead of staying with an
            // idle client or a subscriber (memory per client). Forwarded and split replies, the
            // hot path, keep theirs.
            Reply.Release();
            PubSubJoins = null;
        }
        base.Reset();
        _frameRemaining = 0;
        Kind = RedisRequestKind.Local;
        Route = RedisRoute.None;
        Protover = 0;
        _command?.Clear();
        Server = null;
        Redirects = 0;
        Fanout = RedisFanout.None;
        FanoutIndex = 0;
        FanoutCount = 0;
        PubSubWaits = 0;
        PubSubJoins?.Clear();
        Subcommand = null;
    }
}
