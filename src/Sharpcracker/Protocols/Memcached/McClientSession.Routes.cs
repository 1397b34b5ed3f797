using Sharpcracker.Common;
using Sharpcracker.Configuration.Routes;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// A listener that routes (docs/routes.md): each keyed request walks the listener's tree to a
/// terminal, read once per request (a reload swaps trees between requests).
/// <list type="bullet">
/// <item>Pool: sent as on a plain pool, with no copy kept: the cost of a route is the walk.</item>
/// <item>Failover, a replicated read, a warm-up get: the bytes are kept (one copy) and sent again
/// from the reply or failure callback, on this worker, to the next pool; the request keeps its
/// place in the client's queue, so replies stay in order.</item>
/// <item>A replicated write: one fragment per replica with the same bytes; one reply by the write policy.</item>
/// <item>Shadow: a copy whose reply is discarded, bounded per worker (<see cref="ShadowRoute"/>).</item>
/// </list>
/// </summary>
internal sealed partial class McClientSession
{
    private Stack<DiscardedCopy>? _copyStack; // made on first use: a plain pool's idle clients stay small
    private Stack<DiscardedCopy> Copies => _copyStack ??= new();

    /// <summary>What a routed dispatch did; the caller answers the two failures in its protocol.</summary>
    private enum Routed : byte
    {
        Sent,
        NoServer,
        NoRoute,
    }

    private static RouteOperation OperationOf(McCommandKind kind) => kind switch
    {
        McCommandKind.Get or McCommandKind.Gets or McCommandKind.Gat or McCommandKind.Gats or McCommandKind.MetaGet => RouteOperation.Get,
        McCommandKind.Delete or McCommandKind.MetaDelete => RouteOperation.Delete,
        McCommandKind.Set or McCommandKind.Add or McCommandKind.Replace or McCommandKind.Append or McCommandKind.Prepend or McCommandKind.Cas
            or McCommandKind.Incr or McCommandKind.Decr or McCommandKind.Touch or McCommandKind.MetaSet or McCommandKind.MetaArithmetic => RouteOperation.Update,
        _ => RouteOperation.Other,
    };

    private static RouteOperation OperationOfBinary(byte loudOpcode) => loudOpcode switch
    {
        McBinary.Get or McBinary.GetK or McBinary.Gat or McBinary.GatK => RouteOperation.Get,
        McBinary.Delete => RouteOperation.Delete,
        McBinary.Set or McBinary.Add or McBinary.Replace or McBinary.Append or McBinary.Prepend or McBinary.Increment
            or McBinary.Decrement or McBinary.Touch => RouteOperation.Update,
        _ => RouteOperation.Other,
    };

    private ServerDialect DialectOf(McRequest request) => request.Kind == McRequestKind.Binary ? BinaryDialect : ServerDialect.Default;

    /// <summary>
    /// Sends <paramref name="request"/> (rented and set up by the caller, not yet queued) where
    /// <paramref name="tree"/> says. On a failure nothing was queued and the request is recycled.
    /// </summary>
    private Routed DispatchRouted<TWriter>(RouteTree tree, McRequest request, RouteOperation operation, ReadOnlySpan<byte> key, scoped in TWriter writer)
        where TWriter : IRequestWriter<TWriter>, allows ref struct
    {
        ShadowRoute? shadow = null;
        var node = tree.Root.Select(key, operation, ref shadow);
        var worker = Worker.Index;
        node.Counters.Add(worker, RouteCounter.Requests);
        request.Route = node;
        request.RouteOperation = operation;
        var dialect = DialectOf(request);
        switch (node)
        {
            case PoolRoute pool:
                {
                    if (pool.Pool.Route(key) is not { } server)
                    {
                        return Fail(Routed.NoServer);
                    }
                    Enqueue(request);
                    ForwardTo(server.ConnectionFor(Worker, _id, dialect), request, in writer);
                    break;
                }
            case ReplicatedRoute replicated when operation is RouteOperation.Update or RouteOperation.Delete:
                SendToEveryReplica(replicated, request, key, in writer);
                break;
            case ReplicatedRoute or FailoverRoute or WarmUpRoute:
                {
                    if (node is ReplicatedRoute r)
                    {
                        request.RouteStart = (byte)r.FirstReplica(key, _id);
                    }
                    if (node is WarmUpRoute && operation != RouteOperation.Get)
                    {
                        request.RouteAttempt = 0; // cold only
                    }
                    if (NextServer(request, key, first: true) is not { } server)
                    {
                        return Fail(Routed.NoServer);
                    }
                    if (request.RouteAttempt > 0 && node is not WarmUpRoute)
                    {
                        node.Counters.Add(worker, RouteCounter.Failovers); // the first pool's server was skipped (held, ejected)
                    }
                    request.KeyBytes.Write(key);
                    request.AddKey(0, key.Length);
                    TWriter.Write(request.Command, in writer);
                    if (request.RouteAttempt > 0 && node is FailoverRoute { FailoverTtl: > 0 } failover && operation == RouteOperation.Update)
                    {
                        McTtlCap.Apply(request, failover.FailoverTtl); // the first pool was skipped: this is a failover write
                    }
                    Enqueue(request);
                    ForwardTo(server.ConnectionFor(Worker, _id, dialect), request, new RequestBytes(request.Command.Span));
                    break;
                }
            default:
                return Fail(Routed.NoRoute);
        }
        if (shadow is not null)
        {
            SendCopy(shadow, request, key, in writer, worker);
        }
        return Routed.Sent;

        Routed Fail(Routed why)
        {
            node.Counters.Add(worker, RouteCounter.Errors);
            RecycleUnsent(request);
            return why;
        }
    }

    /// <summary>
    /// The server of the terminal's pool the request tries now (<see cref="McRequest.RouteAttempt"/>),
    /// moving on past pools without one — and, where the route fails over on ejection, past an
    /// ejected or probing server; null when none is left.
    /// </summary>
    private static PoolServer? NextServer(McRequest request, ReadOnlySpan<byte> key, bool first)
    {
        var node = request.Route!;
        var pools = ((IChildPools)node).Pools;
        var last = node is WarmUpRoute ? (request.RouteOperation == RouteOperation.Get ? 2 : 1) : pools.Length;
        var skipEjected = node is ReplicatedRoute || (node is FailoverRoute f && (f.Errors & FailoverErrors.Ejected) != 0);
        var write = request.RouteOperation is RouteOperation.Update or RouteOperation.Delete;
        for (var attempt = first ? 0 : request.RouteAttempt + 1; attempt < last; attempt++)
        {
            var pool = pools[(request.RouteStart + attempt) % pools.Length];
            if (pool.Route(key) is not { } server)
            {
                continue;
            }
            // A server that missed writes is skipped until they are deleted on it (its old values
            // must not be read); an ejected or probing one where the route says so. The last pool
            // is tried whatever its state. A write that skips a server is one more it missed.
            if (attempt + 1 < last && server.MissedWrites is { } missed)
            {
                if (missed.Draining && write)
                {
                    // The server takes writes again; the key leaves the list when it confirms (OnRoutedReply).
                }
                else if (!missed.Draining || missed.IsPending(key))
                {
                    if (write && node is FailoverRoute)
                    {
                        server.MissedWrite(key);
                    }
                    continue;
                }
            }
            else if (attempt + 1 < last && skipEjected && (server.Health.IsEjected || server.Health.IsProbing))
            {
                if (write && node is FailoverRoute)
                {
                    server.MissedWrite(key);
                }
                continue;
            }
            request.RouteAttempt = (byte)attempt;
            return server;
        }
        return null;
    }

    /// <summary>The server the request was just sent to failed it: it is held out of the route until what it missed is deleted on it.</summary>
    private static void HoldFailedServer(McRequest request, ReadOnlySpan<byte> key)
    {
        var pools = ((IChildPools)request.Route!).Pools;
        if (request.Route is WarmUpRoute || pools[(request.RouteStart + request.RouteAttempt) % pools.Length].Route(key) is not { } failed)
        {
            return;
        }
        failed.MissedWrite(request.RouteOperation is RouteOperation.Update or RouteOperation.Delete ? key : default);
    }

    /// <summary>Worker thread, from <see cref="McRequest.OnReply"/>: counts the reply and sends the request on where its route says; false when the reply is the client's.</summary>
    internal bool OnRoutedReply(McRequest request, ReadOnlySpan<byte> reply)
    {
        var node = request.Route!;
        var worker = Worker.Index;
        var error = IsServerError(request, reply);
        if (request.RouteOperation == RouteOperation.Get && !error)
        {
            var miss = IsMiss(request, reply);
            switch (node)
            {
                case WarmUpRoute warm when miss && request.RouteAttempt == 0:
                    return TrySendAgain(request, node, worker, failed: false);
                case ReplicatedRoute { ReadFailoverOnMiss: true } when miss && TrySendAgain(request, node, worker, failed: false):
                    return true;
                case WarmUpRoute warm when !miss && request.RouteAttempt == 1:
                    Fill(warm, request, reply, worker);
                    break;
            }
            node.Counters.Add(worker, miss ? RouteCounter.Misses : RouteCounter.Hits);
            return false;
        }
        if (error && node is FailoverRoute { Errors: var errors } && (errors & FailoverErrors.ServerError) != 0 && TrySendAgain(request, node, worker, failed: true))
        {
            return true;
        }
        if (error && node is ReplicatedRoute && request.RouteOperation != RouteOperation.Update && request.RouteOperation != RouteOperation.Delete
            && TrySendAgain(request, node, worker, failed: true))
        {
            return true;
        }
        if (error)
        {
            node.Counters.Add(worker, RouteCounter.Errors);
        }
        else if (node is FailoverRoute && request.RouteOperation is RouteOperation.Update or RouteOperation.Delete && WroteValue(request, reply))
        {
            // A draining server confirmed the key's newest value (or its absence): reads may go to it.
            var pools = ((IChildPools)node).Pools;
            if (pools[request.RouteAttempt].Route(request.Key(0)) is { MissedWrites: { Draining: true } missed })
            {
                missed.WrittenWhileDraining(request.Key(0));
            }
        }
        return false;
    }

    /// <summary>A reply that leaves the server with the request's value or without the key: stored, deleted, not found.</summary>
    private static bool WroteValue(McRequest request, ReadOnlySpan<byte> reply) => request.Kind switch
    {
        McRequestKind.Binary => McBinary.Status(reply) == McBinary.Success && McBinary.Loud(request.BinaryForward) is McBinary.Set or McBinary.Delete
            || McBinary.Status(reply) == McBinary.KeyNotFound && request.BinaryForward == McBinary.Delete,
        McRequestKind.Meta => reply.StartsWith("HD"u8) || reply.StartsWith("NF"u8),
        _ => reply.SequenceEqual("STORED\r\n"u8) || reply.SequenceEqual("DELETED\r\n"u8) || reply.SequenceEqual("NOT_FOUND\r\n"u8),
    };

    /// <summary>Worker thread, from <see cref="McRequest.OnFailure"/>: a connection failure or timeout sends the request on where its route says.</summary>
    internal bool OnRoutedFailure(McRequest request, ServerFailure failure)
    {
        var node = request.Route!;
        var worker = Worker.Index;
        var kind = failure.Kind switch
        {
            ServerFailureKind.TimedOut => FailoverErrors.Timeout,
            ServerFailureKind.ClosedByProxy => FailoverErrors.None, // shutdown or a removed server: not the route's to hide
            _ => FailoverErrors.Connect,
        };
        var errors = node switch
        {
            FailoverRoute f => f.Errors,
            ReplicatedRoute => FailoverErrors.All,
            _ => FailoverErrors.None,
        };
        if ((errors & kind) != 0 && TrySendAgain(request, node, worker, failed: true))
        {
            return true;
        }
        node.Counters.Add(worker, RouteCounter.Errors);
        return false;
    }

    /// <param name="failed">The server answered with a failure (held, <see cref="HoldFailedServer"/>), not a miss.</param>
    private bool TrySendAgain(McRequest request, RouteNode node, int worker, bool failed)
    {
        if (IsAborted || node is not IChildPools || (node is ReplicatedRoute && request.RouteOperation is RouteOperation.Update or RouteOperation.Delete))
        {
            return false;
        }
        var key = request.Key(0);
        if (request.RouteAttempt + 1 >= ((IChildPools)node).Pools.Length || IsAborted)
        {
            return false;
        }
        if (failed)
        {
            HoldFailedServer(request, key);
        }
        if (NextServer(request, key, first: false) is not { } server)
        {
            return false;
        }
        if (node is FailoverRoute { FailoverTtl: > 0 } failover && request.RouteOperation == RouteOperation.Update)
        {
            McTtlCap.Apply(request, failover.FailoverTtl);
        }
        node.Counters.Add(worker, RouteCounter.Failovers);
        request.Reply.Clear();
        server.ConnectionFor(Worker, _id, DialectOf(request)).Enqueue(request, request.Command.Span); // admitted already: no back-pressure
        return true;
    }

    private static bool IsServerError(McRequest request, ReadOnlySpan<byte> reply)
    {
        if (request.Kind == McRequestKind.Binary)
        {
            var status = McBinary.Status(reply);
            return status is 0x0082 or McBinary.InternalError or 0x0085 or 0x0086;
        }
        return reply.StartsWith("SERVER_ERROR"u8);
    }

    private static bool IsMiss(McRequest request, ReadOnlySpan<byte> reply) => request.Kind switch
    {
        McRequestKind.Binary => McBinary.Status(reply) == McBinary.KeyNotFound,
        McRequestKind.Meta => reply.StartsWith("EN\r\n"u8),
        _ => reply.StartsWith("END\r\n"u8),
    };

    /// <summary>A replicated write: the same bytes to every replica's server as fragments of the client's request.</summary>
    private void SendToEveryReplica<TWriter>(ReplicatedRoute route, McRequest root, ReadOnlySpan<byte> key, scoped in TWriter writer)
        where TWriter : IRequestWriter<TWriter>, allows ref struct
    {
        var kind = root.Kind;
        root.Kind = McRequestKind.ReplicatedWrite;
        root.KeyBytes.Write(key); // a replica that fails the write is held with this key (WriteReplicated)
        root.AddKey(0, key.Length);
        var pools = route.Pools;
        for (var i = 0; i < pools.Length; i++)
        {
            var fragment = RentRequest();
            fragment.Root = root;
            fragment.Kind = kind;
            fragment.StatsClass = root.StatsClass;
            fragment.MetaQuiet = root.MetaQuiet;
            fragment.BinaryOpcode = root.BinaryOpcode;
            fragment.BinaryForward = root.BinaryForward;
            fragment.BinaryOpaque = root.BinaryOpaque;
            root.Fragments.Add(fragment);
        }
        root.BeginFragments(pools.Length);
        Enqueue(root);
        var dialect = kind == McRequestKind.Binary ? BinaryDialect : ServerDialect.Default;
        for (var i = 0; i < pools.Length; i++)
        {
            if (pools[i].Route(key) is { } server)
            {
                ForwardTo(server.ConnectionFor(Worker, _id, dialect), root.Fragments[i], in writer);
            }
            else
            {
                root.Fragments[i].FailUnsent("no server available");
            }
        }
        root.FragmentsSent();
    }

    /// <summary>
    /// The client's one reply to a replicated write: the first replica's reply under
    /// <c>first</c>; else, when enough replicas answered without an error, the first such reply;
    /// else the first error (a failure's text or a replica's error reply).
    /// </summary>
    private bool WriteReplicated(ByteBuffer output, McRequest root)
    {
        var route = (ReplicatedRoute)root.Route!;
        McRequest? firstGood = null;
        McRequest? firstBad = null;
        var good = 0;
        for (var i = 0; i < root.Fragments.Count; i++)
        {
            var fragment = root.Fragments[i];
            var ok = fragment.Error is null && !IsServerError(fragment, fragment.Reply.Span);
            if (ok)
            {
                good++;
                firstGood ??= fragment;
                if (route.Pools[i].Route(root.Key(0)) is { MissedWrites: { Draining: true } draining })
                {
                    draining.WrittenWhileDraining(root.Key(0));
                }
            }
            else
            {
                firstBad ??= fragment;
                // This replica missed the write: held out of reads until the key is deleted on it.
                route.Pools[i].Route(root.Key(0))?.MissedWrite(root.Key(0));
            }
        }
        var chosen = route.WritePolicy == ReplicaWritePolicy.First ? root.Fragments[0] : good >= route.Needed ? firstGood! : firstBad!;
        if (chosen != firstGood || good < route.Needed)
        {
            route.Counters.Add(Worker.Index, RouteCounter.Errors);
        }
        if (root.Noreply || chosen.BinaryHidden)
        {
            return false;
        }
        if (chosen.Error is { } error)
        {
            if (chosen.Kind == McRequestKind.Binary)
            {
                WriteBinaryFailure(output, root.BinaryOpcode, root.BinaryOpaque, error);
            }
            else
            {
                WriteServerError(output, error);
            }
            return true;
        }
        output.Write(chosen.Reply.Span);
        return chosen.Reply.Length > 0;
    }

    /// <summary>A copy of the request to a shadow pool, its reply discarded; dropped (and counted) past the per-worker bound or without a server.</summary>
    private void SendCopy<TWriter>(ShadowRoute shadow, McRequest request, ReadOnlySpan<byte> key, scoped in TWriter writer, int worker)
        where TWriter : IRequestWriter<TWriter>, allows ref struct
    {
        if (shadow.Shadow.Route(key) is not { } server || !shadow.TryBeginCopy(worker))
        {
            shadow.Counters.Add(worker, RouteCounter.ShadowDropped);
            return;
        }
        var kind = request.Kind == McRequestKind.ReplicatedWrite ? request.Fragments[0].Kind : request.Kind;
        var copy = RentCopy(kind, request.MetaQuiet, request.BinaryForward, shadow, worker);
        shadow.Counters.Add(worker, RouteCounter.ShadowSent);
        // A copy never pauses the client: a saturated shadow connection is the shadow's problem.
        server.ConnectionFor(Worker, _id, kind == McRequestKind.Binary ? BinaryDialect : ServerDialect.Default).Enqueue(copy, in writer);
    }

    private DiscardedCopy RentCopy(McRequestKind kind, McMetaQuiet quiet, byte binaryForward, ShadowRoute? shadow, int worker)
    {
        var copy = Copies.TryPop(out var free) ? free : new DiscardedCopy(Copies);
        copy.Set(kind, quiet, binaryForward, shadow, worker);
        return copy;
    }

    /// <summary>Warm-up: a warm hit is added to cold (text and binary gets; a meta reply need not carry the item's flags, so meta gets are not filled).</summary>
    private void Fill(WarmUpRoute route, McRequest request, ReadOnlySpan<byte> reply, int worker)
    {
        var key = request.Key(0);
        if (route.Cold.Route(key) is not { } server || request.Kind == McRequestKind.Meta)
        {
            return;
        }
        var binary = request.Kind == McRequestKind.Binary;
        var copy = RentCopy(binary ? McRequestKind.Binary : McRequestKind.Single, McMetaQuiet.None, McBinary.Add, null, worker);
        var fill = McFill.TryWrite(copy.Bytes, key, reply, route.FillTtl, binary);
        if (!fill)
        {
            copy.Release();
            return;
        }
        route.Counters.Add(worker, RouteCounter.Fills);
        server.ConnectionFor(Worker, _id, binary ? BinaryDialect : ServerDialect.Default).Enqueue(copy, copy.Bytes.Span);
    }

    /// <summary>The text protocol's answer to a key no route takes.</summary>
    private void EnqueueNoRoute()
    {
        _pool.Stats.ForwardErrors(1);
        EnqueueLocal("SERVER_ERROR no route for key\r\n"u8);
    }
}
