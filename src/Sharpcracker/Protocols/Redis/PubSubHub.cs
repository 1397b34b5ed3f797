using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// One worker's pub/sub for one pool (docs/redis.md, "Pub/sub"): every channel any of the
/// worker's clients listens to is subscribed once upstream, on the worker's one subscription
/// connection to the server that serves it (<see cref="PubSubLink"/>), reference-counted by the
/// clients' subscriptions, and each message received is copied once into each listening client's
/// output. A channel is served by the server its name routes to (the pool's hash and hash_tag, or
/// the slot owner in a redis_cluster pool), so PUBLISH and SUBSCRIBE meet there; a pattern by every
/// server (masters of a replication pool; one node of a cluster, whose bus carries every PUBLISH).
/// <para>A tick (every second while anything is subscribed, every 100 ms while a link is down)
/// moves channels whose server changed (reload, ejection, failover, slot move) and reopens lost
/// links with all their channels. Worker thread only: nothing is shared or locked.</para>
/// </summary>
internal sealed class PubSubHub
{
    private const int CheckMs = 1000;
    private const int RetryMs = 100;

    private static readonly ConditionalWeakTable<ServerPool, PubSubHub?[]> s_hubs = new();

    private readonly ServerPool _pool;
    private readonly Worker _worker;
    private readonly ILogger _logger;
    private readonly Dictionary<byte[], PubSubChannel>[] _channels;
    private readonly Dictionary<byte[], PubSubChannel>.AlternateLookup<ReadOnlySpan<byte>>[] _lookups;
    private readonly Dictionary<PoolServer, PubSubLink> _links = [];
    private readonly List<PubSubLink> _tickLinks = [];
    private readonly List<PoolServer> _targets = [];
    private readonly ByteBuffer _scratch = new();
    private PoolTopology? _routedWith;
    private bool _needsRoute;   // a channel found no server: routed again at every tick
    private bool _tickArmed;
    private long _tickDue;
    private int _tickToken;

    private PubSubHub(ServerPool pool, Worker worker, ILogger logger)
    {
        _pool = pool;
        _worker = worker;
        _logger = logger;
        _channels = [new(ByteStringComparer.Instance), new(ByteStringComparer.Instance), new(ByteStringComparer.Instance)];
        _lookups = [.. _channels.Select(c => c.GetAlternateLookup<ReadOnlySpan<byte>>())];
    }

    /// <summary>Worker thread: the hub of <paramref name="pool"/> on <paramref name="worker"/> (made on first use, by that worker).</summary>
    public static PubSubHub For(ServerPool pool, Worker worker, ILogger logger)
    {
        var hubs = s_hubs.GetValue(pool, static p => new PubSubHub?[Math.Max(1, p.Workers?.Count ?? 1)]);
        return hubs[worker.Index] ??= new PubSubHub(pool, worker, logger);
    }

    /// <summary>Subscription connections open (or being reopened) now; tests and diagnostics.</summary>
    internal int LinkCount => _links.Count;

    /// <summary>
    /// A client subscribes to <paramref name="name"/>: the channel is referenced (subscribed
    /// upstream if it is new here) and <paramref name="request"/> — the client's SUBSCRIBE — waits
    /// for every frame already sent on the channel's links (its confirmation must not be written
    /// before the server applied the subscription). The listener receives messages once the
    /// confirmation is written (<see cref="PubSubChannel.AddListener"/>).
    /// </summary>
    public PubSubListener Subscribe(RedisClientSession session, PubSubKind kind, ReadOnlySpan<byte> name, RedisRequest request)
    {
        if (!ReferenceEquals(_pool.Topology, _routedWith) || _needsRoute)
        {
            Reroute();
        }
        if (!_lookups[(int)kind].TryGetValue(name, out var channel))
        {
            channel = new PubSubChannel(kind, name.ToArray());
            _channels[(int)kind].Add(channel.Name, channel);
            Route(channel, _pool.Topology);
        }
        channel.References++;
        foreach (var link in channel.Links)
        {
            if (link.IsOpen && link.Acked < link.Sent)
            {
                link.Barriers.Enqueue((link.Sent, request));
                request.PubSubWaits++;
            }
        }
        ScheduleTick(CheckMs);
        return new PubSubListener(session, channel);
    }

    /// <summary>
    /// A client's subscription ends: no more messages; the channel is unsubscribed upstream when it
    /// was the last. <paramref name="waiting"/> — the client's UNSUBSCRIBE, when it asked — then
    /// waits for the server's confirmation, so a PUBLISH sent after the client's confirmation no
    /// longer counts the proxy's subscription (as redis-server no longer counts the client).
    /// </summary>
    public void Unsubscribe(PubSubListener listener, RedisRequest? waiting = null)
    {
        if (listener.Dropped)
        {
            return;
        }
        listener.Dropped = true;
        var channel = listener.Channel;
        channel.RemoveListener(listener);
        if (--channel.References > 0)
        {
            return;
        }
        _channels[(int)channel.Kind].Remove(channel.Name);
        foreach (var link in channel.Links)
        {
            link.Channels.Remove(channel);
            Send(link, channel, subscribe: false);
            if (waiting is not null && link.IsOpen && link.Acked < link.Sent)
            {
                link.Barriers.Enqueue((link.Sent, waiting));
                waiting.PubSubWaits++;
            }
        }
        channel.Links.Clear();
    }

    /// <summary>One wait of a client's SUBSCRIBE is over; it is answered when none is left.</summary>
    public static void Release(RedisRequest request)
    {
        if (--request.PubSubWaits == 0)
        {
            request.MarkDoneLocally();
        }
    }

    // ---- links: frames in, commands out ----

    /// <summary>A frame on <paramref name="link"/>'s stream: a message to fan out, or a confirmation to count.</summary>
    internal void OnFrame(PubSubLink link, ReadOnlySpan<byte> frame)
    {
        if (link.DownSince != 0)
        {
            _logger.PubSubLinkRestored(_pool.Name, link.Server.Name, Environment.TickCount64 - link.DownSince, link.Channels.Count);
            link.DownSince = 0;
        }
        if (frame[0] == (byte)'-')
        {
            // A refused command (a MOVED for a shard channel whose slot moved, an ACL refusal): it
            // takes the place of its confirmation. A refused subscription leaves the link and is
            // routed again at the next tick (to the slot's new owner once the map knows it).
            _logger.PubSubCommandRefused(_pool.Name, link.Server.Name, System.Text.Encoding.UTF8.GetString(frame.TrimEnd("\r\n"u8)));
            if (Ack(link) is { Subscribe: true, Channel: var refused } && refused.Links.Remove(link))
            {
                link.Channels.Remove(refused);
                _needsRoute = true;
            }
            return;
        }
        if (!PubSubFrames.TryRead(frame, out var count, out var kind, out var first, out _))
        {
            return;
        }
        switch (kind.Length)
        {
            case 7 when kind.SequenceEqual("message"u8):
                Deliver(PubSubKind.Channel, first, frame);
                return;
            case 8 when kind.SequenceEqual("pmessage"u8) && count == 4:
                Deliver(PubSubKind.Pattern, first, frame);
                return;
            case 8 when kind.SequenceEqual("smessage"u8):
                Deliver(PubSubKind.Shard, first, frame);
                return;
            case 4 when kind.SequenceEqual("pong"u8):
                return;
        }
        if (kind.SequenceEqual("sunsubscribe"u8) && !ExpectsUnsubscribe(link, PubSubKind.Shard, first))
        {
            // Unasked: the server gave up the slot of this shard channel (a cluster slot move).
            // Routed again at the next tick, once the slot map knows the new owner.
            if (_lookups[(int)PubSubKind.Shard].TryGetValue(first, out var moved) && moved.Links.Remove(link))
            {
                link.Channels.Remove(moved);
                _needsRoute = true;
                ScheduleTick(RetryMs);
            }
            return;
        }
        Ack(link);
    }

    /// <summary>Whether the next confirmation <paramref name="link"/> expects is an unsubscribe of <paramref name="name"/>.</summary>
    private static bool ExpectsUnsubscribe(PubSubLink link, PubSubKind kind, ReadOnlySpan<byte> name)
        => link.Pending.TryPeek(out var next) && !next.Subscribe && next.Channel.Kind == kind && next.Channel.Name.AsSpan().SequenceEqual(name);

    private void Deliver(PubSubKind kind, ReadOnlySpan<byte> name, ReadOnlySpan<byte> frame)
    {
        if (!_lookups[(int)kind].TryGetValue(name, out var channel))
        {
            return; // unsubscribed while the message was on its way
        }
        // A client over client_output_limit is aborted inside Push and closed at the end of the
        // pass, so the list does not change while it is walked.
        var listeners = channel.Listeners;
        for (var i = 0; i < listeners.Count; i++)
        {
            listeners[i].Session.Push(frame);
        }
    }

    /// <summary>One confirmation (or refusal) arrived: the command it answers; waiting SUBSCRIBEs whose turn came are released.</summary>
    private static (PubSubChannel Channel, bool Subscribe)? Ack(PubSubLink link)
    {
        link.Acked++;
        (PubSubChannel, bool)? answered = link.Pending.TryDequeue(out var command) ? command : null;
        while (link.Barriers.TryPeek(out var barrier) && barrier.Target <= link.Acked)
        {
            link.Barriers.Dequeue();
            Release(barrier.Request);
        }
        return answered;
    }

    /// <summary>
    /// The link's connection failed (or the server refused to connect, during a back-off): every
    /// waiting SUBSCRIBE is answered now (never hang a client), and its channels are subscribed
    /// again when the server is back (the tick).
    /// </summary>
    internal void OnLinkFailed(PubSubLink link, ServerFailure failure)
    {
        link.Sent = 0;
        link.Acked = 0;
        link.Pending.Clear();
        while (link.Barriers.TryDequeue(out var barrier))
        {
            Release(barrier.Request);
        }
        if (link.Closing)
        {
            return;
        }
        if (failure.Kind == ServerFailureKind.ClosedByProxy)
        {
            link.Connection = null; // the pool closed it (server removed, shutdown): never reused
        }
        if (link.DownSince == 0)
        {
            link.DownSince = Math.Max(1, Environment.TickCount64);
            _logger.PubSubLinkLost(_pool.Name, link.Server.Name, failure.Text, link.Channels.Count);
        }
        ScheduleTick(RetryMs);
    }

    /// <summary>One command for one channel on an open link (one frame comes back); nothing while it is down (reopened with all its channels).</summary>
    private void Send(PubSubLink link, PubSubChannel channel, bool subscribe)
    {
        if (!link.IsOpen)
        {
            return;
        }
        _scratch.Clear();
        PubSubFrames.WriteCommand(_scratch, PubSubFrames.Verb(channel.Kind, subscribe), channel.Name);
        if (link.Connection!.WriteToStream(_scratch.Span))
        {
            link.Sent++;
            link.Pending.Enqueue((channel, subscribe));
        }
    }

    /// <summary>Opens the link's stream with a SUBSCRIBE for each of its channels (connecting first).</summary>
    private void Open(PubSubLink link)
    {
        if (link.Channels.Count == 0)
        {
            return;
        }
        if (link.Connection is null)
        {
            link.Connection = link.Server.RentDedicated(_worker, ServerDialect.Default);
            if (link.Connection is null)
            {
                if (link.DownSince == 0)
                {
                    link.DownSince = Math.Max(1, Environment.TickCount64);
                    _logger.PubSubNoConnection(_pool.Name, link.Server.Name, link.Server.DedicatedLimit);
                }
                ScheduleTick(RetryMs);
                return;
            }
        }
        _scratch.Clear();
        link.Pending.Clear();
        foreach (var channel in link.Channels)
        {
            PubSubFrames.WriteCommand(_scratch, PubSubFrames.Verb(channel.Kind, subscribe: true), channel.Name);
            link.Pending.Enqueue((channel, true));
        }
        link.Sent = link.Channels.Count;
        link.Acked = 0;
        link.Closing = false;
        link.Connection.OpenStream(link, _scratch.Span); // a refusal calls OnLinkFailed inside
    }

    private PubSubLink LinkFor(PoolServer server)
    {
        if (!_links.TryGetValue(server, out var link))
        {
            link = new PubSubLink(this, server);
            _links.Add(server, link);
        }
        return link;
    }

    private void Attach(PubSubLink link, PubSubChannel channel)
    {
        if (!link.Channels.Add(channel))
        {
            return;
        }
        channel.Links.Add(link);
        link.IdleTicks = 0;
        if (link.IsOpen)
        {
            Send(link, channel, subscribe: true);
        }
        else if (link.DownSince == 0)
        {
            Open(link);
        }
    }

    private void Detach(PubSubLink link, PubSubChannel channel)
    {
        link.Channels.Remove(channel);
        channel.Links.Remove(link);
        Send(link, channel, subscribe: false);
    }

    // ---- routing ----

    /// <summary>Subscribes <paramref name="channel"/> where <paramref name="topology"/> says it lives, leaving servers it no longer lives on.</summary>
    private void Route(PubSubChannel channel, PoolTopology topology)
    {
        _targets.Clear();
        if (channel.Kind == PubSubKind.Pattern && topology.ClusterMap is null)
        {
            if (topology.Groups is { } groups)
            {
                foreach (var group in groups)
                {
                    if (group.Master >= 0)
                    {
                        _targets.Add(topology.Servers[group.Master]);
                    }
                }
            }
            else
            {
                foreach (var server in topology.Servers)
                {
                    if (server is not null)
                    {
                        _targets.Add(server);
                    }
                }
            }
        }
        else if (topology.Route(channel.Name) is { } server)
        {
            _targets.Add(server);
        }
        if (_targets.Count == 0)
        {
            _needsRoute = true; // no server for it now (all ejected, no master known): the tick tries again
        }
        for (var i = channel.Links.Count - 1; i >= 0; i--)
        {
            var link = channel.Links[i];
            if (!_targets.Contains(link.Server))
            {
                Detach(link, channel);
            }
        }
        foreach (var server in _targets)
        {
            Attach(LinkFor(server), channel);
        }
    }

    private void Reroute()
    {
        var topology = _pool.Topology;
        _routedWith = topology;
        _needsRoute = false;
        foreach (var channels in _channels)
        {
            foreach (var channel in channels.Values)
            {
                Route(channel, topology);
            }
        }
    }

    private void ScheduleTick(int delayMs)
    {
        var due = Environment.TickCount64 + delayMs;
        if (_tickArmed && _tickDue <= due)
        {
            return;
        }
        _tickArmed = true;
        _tickDue = due;
        var token = ++_tickToken;
        _worker.RunAfter(delayMs, () =>
        {
            if (token == _tickToken)
            {
                Tick();
            }
        });
    }

    /// <summary>Routes again after a topology change, reopens lost links, closes links left without channels.</summary>
    private void Tick()
    {
        _tickArmed = false;
        if (!ReferenceEquals(_pool.Topology, _routedWith) || _needsRoute)
        {
            Reroute();
        }
        var now = Environment.TickCount64;
        var down = _needsRoute;
        _tickLinks.Clear();
        _tickLinks.AddRange(_links.Values);
        foreach (var link in _tickLinks)
        {
            if (link.Channels.Count == 0)
            {
                if (++link.IdleTicks > 1 || !link.IsOpen)
                {
                    CloseLink(link);
                }
                continue;
            }
            if (!link.IsOpen)
            {
                down = true;
                if (link.Connection is null || link.Server.Health.RefuseConnect(now) is null)
                {
                    Open(link);
                }
            }
        }
        _tickLinks.Clear();
        if (_links.Count > 0 || _needsRoute)
        {
            ScheduleTick(down ? RetryMs : CheckMs);
        }
    }

    private void CloseLink(PubSubLink link)
    {
        _links.Remove(link.Server);
        link.Closing = true;
        if (link.Connection is { } connection)
        {
            link.Connection = null;
            link.Server.CloseDedicated(connection);
        }
    }
}
