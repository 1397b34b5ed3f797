using Sharpcracker.Common;
using Sharpcracker.Routing;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE and RESP2's
/// subscribed mode, as redis-server 7.0 answers them, over the worker's shared subscriptions
/// (<see cref="PubSubHub"/>; docs/redis.md, "Pub/sub"). The client's own subscriptions are kept
/// here per kind (they give the counts in its confirmations); a SUBSCRIBE's confirmations are
/// written once the server confirmed the worker's subscription, and the client receives the
/// channel's messages from that point on. PUBLISH and SPUBLISH are keyed commands (the channel is
/// the key); PUBSUB is RedisClientSession.PubSubQuery.cs.
/// </summary>
internal sealed partial class RedisClientSession
{
    private PubSubHub? _hub;
    // The client's subscriptions by kind (PubSubKind as index), each made on first use (memory per
    // subscriber: a client of one channel holds one small dictionary).
    private Dictionary<byte[], PubSubListener>?[]? _subscriptions;

    private int CountOf(PubSubKind kind) => _subscriptions?[(int)kind]?.Count ?? 0;

    /// <summary>SUBSCRIBE's and PSUBSCRIBE's count: channels and patterns; SSUBSCRIBE's: shard channels.</summary>
    private int SubscriptionCount(PubSubKind kind)
        => kind == PubSubKind.Shard ? CountOf(kind) : CountOf(PubSubKind.Channel) + CountOf(PubSubKind.Pattern);

    /// <summary>RESP2 subscribed mode: any subscription of any kind (RESP3 clients may send any command).</summary>
    private bool InSubscribedMode => !_resp3 && _subscriptions is not null
        && CountOf(PubSubKind.Channel) + CountOf(PubSubKind.Pattern) + CountOf(PubSubKind.Shard) > 0;

    /// <summary>
    /// RESP2 subscribed mode lets only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET
    /// through, with redis-server's refusal for anything else; PING answers as a push-style
    /// array. True when the command was answered here.
    /// </summary>
    private bool AnsweredInSubscribedMode(ReadOnlySpan<byte> command, RedisCommandInfo info, RedisCommandInfo sub)
    {
        if (!InSubscribedMode)
        {
            return false;
        }
        switch (info.Name)
        {
            case "subscribe" or "unsubscribe" or "psubscribe" or "punsubscribe" or "ssubscribe" or "sunsubscribe" or "quit" or "reset":
                return false;
            case "ping":
                if (_args.Count > 2)
                {
                    EnqueueError(ArityText(info));
                    return true;
                }
                var request = BeginLocal();
                request.Reply.Write("*2\r\n$4\r\npong\r\n"u8);
                RedisReplies.WriteBulk(request.Reply, _args.Count == 2 ? Arg(command, 1) : default);
                EndLocal(request);
                return true;
        }
        EnqueueError($"Can't execute '{sub.Name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
        return true;
    }

    private void ExecutePubSub(ReadOnlySpan<byte> command, RedisCommandInfo info, RedisCommandInfo sub)
    {
        switch (info.Name)
        {
            case "subscribe":
                Subscribe(command, PubSubKind.Channel);
                break;
            case "psubscribe":
                Subscribe(command, PubSubKind.Pattern);
                break;
            case "ssubscribe":
                if (_cluster && !SameSlot(command))
                {
                    EnqueueLocal("-CROSSSLOT Keys in request don't hash to the same slot\r\n"u8);
                    return;
                }
                Subscribe(command, PubSubKind.Shard);
                break;
            case "unsubscribe":
                Unsubscribe(command, PubSubKind.Channel);
                break;
            case "punsubscribe":
                Unsubscribe(command, PubSubKind.Pattern);
                break;
            case "sunsubscribe":
                if (_cluster && !SameSlot(command))
                {
                    EnqueueLocal("-CROSSSLOT Keys in request don't hash to the same slot\r\n"u8);
                    return;
                }
                Unsubscribe(command, PubSubKind.Shard);
                break;
            default:
                PubSubQuery(command, sub);
                break;
        }
    }

    /// <summary>A redis_cluster node takes the shard channels of one command only when they share a slot.</summary>
    private bool SameSlot(ReadOnlySpan<byte> command)
    {
        var slot = RedisClusterSlotMap.Slot(Arg(command, 1));
        for (var i = 2; i < _args.Count; i++)
        {
            if (RedisClusterSlotMap.Slot(Arg(command, i)) != slot)
            {
                return false;
            }
        }
        return true;
    }

    private Dictionary<byte[], PubSubListener> SubscriptionsOf(PubSubKind kind)
        => (_subscriptions ??= new Dictionary<byte[], PubSubListener>?[3])[(int)kind] ??= new(ByteStringComparer.Instance);

    /// <summary>
    /// One confirmation per argument, in order (a channel already subscribed is confirmed again,
    /// as redis-server does); the reply waits for the worker's subscription connections.
    /// </summary>
    private void Subscribe(ReadOnlySpan<byte> command, PubSubKind kind)
    {
        _hub ??= PubSubHub.For(_pool, Worker, _logger);
        var mine = SubscriptionsOf(kind).GetAlternateLookup<ReadOnlySpan<byte>>();
        var request = Rent(RedisRequestKind.PubSub);
        Enqueue(request);
        request.PubSubWaits = 1; // the loop's own share: the reply cannot be released half written
        var verb = PubSubFrames.Verb(kind, subscribe: true);
        for (var i = 1; i < _args.Count; i++)
        {
            var name = Arg(command, i);
            if (!mine.ContainsKey(name))
            {
                var listener = _hub.Subscribe(this, kind, name, request);
                mine[listener.Channel.Name] = listener;
                (request.PubSubJoins ??= []).Add(listener);
            }
            PubSubFrames.WriteConfirmation(request.Reply, _resp3, verb, name, nullName: false, SubscriptionCount(kind));
        }
        CountReplyBytes(request.Reply.Length);
        PubSubHub.Release(request);
    }

    /// <summary>The client stops receiving now; the worker unsubscribes upstream when it was the channel's last client.</summary>
    private void Unsubscribe(ReadOnlySpan<byte> command, PubSubKind kind)
    {
        // Answered once the server confirmed the upstream unsubscribe of a channel this was the
        // last client of (PubSubHub.Unsubscribe); at once otherwise.
        var request = Rent(RedisRequestKind.PubSub);
        Enqueue(request);
        request.PubSubWaits = 1; // the loop's own share: the reply cannot be released half written
        var verb = PubSubFrames.Verb(kind, subscribe: false);
        if (_args.Count == 1)
        {
            // Everything of this kind, one confirmation each; with none, one with a null name.
            if (CountOf(kind) == 0)
            {
                PubSubFrames.WriteConfirmation(request.Reply, _resp3, verb, default, nullName: true, SubscriptionCount(kind));
            }
            else
            {
                var mine = _subscriptions![(int)kind]!;
                foreach (var listener in mine.Values.ToArray())
                {
                    mine.Remove(listener.Channel.Name);
                    _hub!.Unsubscribe(listener, request);
                    PubSubFrames.WriteConfirmation(request.Reply, _resp3, verb, listener.Channel.Name, nullName: false, SubscriptionCount(kind));
                }
            }
        }
        else
        {
            var mine = SubscriptionsOf(kind).GetAlternateLookup<ReadOnlySpan<byte>>();
            for (var i = 1; i < _args.Count; i++)
            {
                var name = Arg(command, i);
                if (mine.Remove(name, out _, out var listener))
                {
                    _hub!.Unsubscribe(listener, request);
                }
                PubSubFrames.WriteConfirmation(request.Reply, _resp3, verb, name, nullName: false, SubscriptionCount(kind));
            }
        }
        CountReplyBytes(request.Reply.Length);
        PubSubHub.Release(request);
    }

    /// <summary>Write loop: a SUBSCRIBE's confirmations, then its new subscriptions start receiving (still subscribed ones only).</summary>
    private static void WriteSubscribed(ByteBuffer output, RedisRequest request)
    {
        output.Write(request.Reply.Span);
        if (request.PubSubJoins is { } joins)
        {
            foreach (var listener in joins)
            {
                if (!listener.Dropped && listener.Index < 0)
                {
                    listener.Channel.AddListener(listener);
                }
            }
        }
    }

    /// <summary>Worker thread, from the hub: one message for this client, as a RESP3 push or a RESP2 array.</summary>
    internal void Push(ReadOnlySpan<byte> frame) => WritePush(_resp3 ? (byte)'>' : (byte)'*', frame);

    /// <summary>The client is gone: its subscriptions end (the worker's upstream ones with their last client).</summary>
    private void DropSubscriptions()
    {
        if (_subscriptions is null)
        {
            return;
        }
        foreach (var mine in _subscriptions)
        {
            if (mine is null)
            {
                continue;
            }
            foreach (var listener in mine.Values)
            {
                _hub!.Unsubscribe(listener);
            }
            mine.Clear();
        }
    }
}
