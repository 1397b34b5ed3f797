using Sharpcracker.Common;
using Sharpcracker.Engine;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// A worker's subscription connection to one server: a dedicated RESP2 connection
/// (<see cref="PoolServer.RentDedicated"/>) whose FIFO holds this stream request
/// (<see cref="ServerRequest.IsStream"/>) for as long as it is up, carrying every channel any of
/// the worker's clients listens to on that server. It sends one command per channel (so every
/// command gets exactly one confirmation or error frame) and counts them: <see cref="Sent"/>
/// frames expected, <see cref="Acked"/> received. A client's SUBSCRIBE is answered once every
/// frame sent before it has arrived (<see cref="Barriers"/>): the server has then applied its
/// subscription. Worker thread only.
/// </summary>
internal sealed class PubSubLink : ServerRequest
{
    private readonly PubSubHub _hub;
    private long _frameRemaining; // framer state while the head's scan is non-zero

    public PubSubLink(PubSubHub hub, PoolServer server)
    {
        _hub = hub;
        Server = server;
        TimeoutMs = NoTimeout; // messages may never come: silence is no failure
    }

    public override bool IsStream => true;

    public PoolServer Server { get; }

    /// <summary>The rented dedicated connection; null before the first open and after the proxy closed it (server removed).</summary>
    public ServerConnection? Connection;

    /// <summary>Channels subscribed (or to be subscribed once up) on this server.</summary>
    public readonly HashSet<PubSubChannel> Channels = [];

    /// <summary>Confirmation frames expected since the stream opened, and received.</summary>
    public long Sent;
    public long Acked;

    /// <summary>
    /// The commands sent and not yet confirmed, in order: the channel each was for and whether
    /// it was a subscribe. A refusal is matched to its channel, and an
    /// unasked SUNSUBSCRIBE (a slot moved away) is told from a confirmation.
    /// </summary>
    public readonly Queue<(PubSubChannel Channel, bool Subscribe)> Pending = new();

    /// <summary>Client SUBSCRIBE commands waiting for <see cref="Acked"/> to reach their target, in target order.</summary>
    public readonly Queue<(long Target, RedisRequest Request)> Barriers = new();

    /// <summary>The hub closes it on purpose: the failure that follows is no outage.</summary>
    public bool Closing;

    /// <summary>Down since this time (Environment.TickCount64), 0 while up; logged once per outage.</summary>
    public long DownSince;

    /// <summary>Ticks in a row with no channel: closed after one (a channel coming back soon reuses it).</summary>
    public int IdleTicks;

    /// <summary>The stream is queued on a connection (connecting or up).</summary>
    public bool IsOpen => Connection is { HasStream: true };

    public override int TryFrame(ReadOnlySpan<byte> data, ref int scan) => RespReplyFramer.Frame(data, ref scan, ref _frameRemaining);

    public override void OnReply(ReadOnlySpan<byte> reply) => _hub.OnFrame(this, reply);

    public override void OnFailure(ServerFailure failure) => _hub.OnLinkFailed(this, failure);
}
