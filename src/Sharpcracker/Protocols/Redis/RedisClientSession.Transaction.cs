using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Engine;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// MULTI / EXEC / DISCARD / WATCH / UNWATCH (docs/redis.md "Transactions"). MULTI is answered by
/// the proxy; the first keyed command (or WATCH's keys) pins the client to its key's server on a
/// dedicated connection, where MULTI, the queued commands and EXEC or DISCARD go, so EXEC's reply
/// is the server's, byte for byte. Commands without a key queued before that are answered
/// +QUEUED and sent after the MULTI once the server is known. A key on another server is refused
/// (CROSSSLOT) and fails the transaction, as Redis Cluster fails one at EXEC.
/// <para>Order: the client changes connection only when every reply before the command is
/// written (<see cref="_waitForReplies"/>), so no command passes an earlier one.</para>
/// </summary>
internal sealed partial class RedisClientSession
{
    /// <summary>The client's dedicated connection for its transaction or WATCH; null when it holds none.</summary>
    private ServerConnection? _pinned;
    /// <summary><see cref="ServerConnection.Generation"/> when pinned: a change means the socket (and MULTI, WATCH) was lost.</summary>
    private int _pinnedGeneration;
    /// <summary>A command the proxy sent for the client on <see cref="_pinned"/> (MULTI, a queued command) failed unseen.</summary>
    private bool _pinnedBroken;
    /// <summary>WATCH was sent on <see cref="_pinned"/> and not ended by EXEC, DISCARD or UNWATCH.</summary>
    private bool _watching;
    /// <summary>The connection holding the client's WATCH was lost: its next EXEC answers nil (a conflict).</summary>
    private bool _watchLost;
    /// <summary>The client sent MULTI and no EXEC or DISCARD yet.</summary>
    private bool _inMulti;
    /// <summary>A command inside MULTI was refused before it was queued: EXEC answers EXECABORT.</summary>
    private bool _multiAborted;
    /// <summary>Commands queued inside MULTI (CLIENT LIST's multi=).</summary>
    private int _queuedInMulti;
    /// <summary>Set by Execute: the command must wait until every reply before it is written; Process leaves it unparsed.</summary>
    private bool _waitForReplies;
    /// <summary>
    /// Commands without a key queued in MULTI before its server was known, as RESP, with their ends;
    /// made on first use, like <see cref="KeyArgs"/> (a client that never uses MULTI holds neither).
    /// </summary>
    private ByteBuffer? _preambleBytes;
    private List<int>? _preambleEndList;
    private List<int>? _keyArgList;

    private ByteBuffer Preamble => _preambleBytes ??= new ByteBuffer();
    private List<int> PreambleEnds => _preambleEndList ??= [];
    /// <summary>Argument positions of the command's keys (<see cref="CollectKeys"/>); cold paths only.</summary>
    private List<int> KeyArgs => _keyArgList ??= [];

    private static ReadOnlySpan<byte> MultiCommand => "*1\r\n$5\r\nMULTI\r\n"u8;
    private static ReadOnlySpan<byte> DiscardCommand => "*1\r\n$7\r\nDISCARD\r\n"u8;
    private static ReadOnlySpan<byte> Queued => "+QUEUED\r\n"u8;

    private const string CrossServerText =
        "Keys in request don't hash to the same server as the transaction's (in proxy mode all keys of a transaction must be on one server: use a hash tag)";

    /// <summary>
    /// A transaction, a WATCH or a blocking command, or any command while the client holds a
    /// dedicated connection; false when the command takes the ordinary route after all.
    /// </summary>
    private bool ExecuteStateful(ReadOnlySpan<byte> command, RedisCommandInfo info, RedisCommandInfo sub, out bool stop)
    {
        stop = false;
        if (_pinned is { } pinned && (_pinnedBroken || pinned.Generation != _pinnedGeneration))
        {
            PinnedLost();
        }
        if (_pinned is not null && !_inMulti && !_watching && _blockingOn is null)
        {
            // A transaction ended (EXEC, DISCARD, UNWATCH) and its connection is not given back
            // yet: every reply before this command is written first, then the connection goes.
            if (QueuedCount > 0)
            {
                _waitForReplies = true;
                return true;
            }
            ReleasePinned(force: true);
        }
        if (info.Route == RedisRoute.Transaction)
        {
            ExecuteTransaction(command, info, sub);
            return true;
        }
        if (_inMulti)
        {
            return QueueInMulti(command, info, sub);
        }
        if (info.Route == RedisRoute.Blocking)
        {
            return Block(command, info);
        }
        if (_pinned is null || info.Route == RedisRoute.Local)
        {
            return false;
        }
        if (_watching && CollectKeys(command, info, sub) && (_cluster || AllKeysOn(command, _pinned.Server)))
        {
            // Between WATCH and MULTI the watched server's keys stay on the watching connection:
            // the client's own write after WATCH must reach the server after it.
            ForwardPinned(command, RedisRequestKind.Single);
            return true;
        }
        if (QueuedCount > 0)
        {
            _waitForReplies = true; // what went on the dedicated connection is answered first
        }
        return _waitForReplies;
    }

    private void ExecuteTransaction(ReadOnlySpan<byte> command, RedisCommandInfo info, RedisCommandInfo sub)
    {
        switch (info.Name)
        {
            case "multi":
                if (_inMulti)
                {
                    EnqueueLocalError("MULTI calls can not be nested"); // not queued, and not a failure of the transaction
                    return;
                }
                _inMulti = true;
                _multiAborted = false;
                _queuedInMulti = 0;
                if (_watching)
                {
                    ForwardPinned(command, RedisRequestKind.Single); // after WATCH: the server's own MULTI
                }
                else
                {
                    EnqueueLocal(RedisReplies.Ok);
                }
                return;
            case "watch":
                if (_inMulti)
                {
                    EnqueueLocalError("WATCH inside MULTI is not allowed");
                    return;
                }
                Watch(command, info, sub);
                return;
            case "unwatch":
                if (_inMulti)
                {
                    QueueInMulti(command, info, sub); // queued like any command, run by EXEC
                    return;
                }
                _watchLost = false;
                if (_pinned is null)
                {
                    EnqueueLocal(RedisReplies.Ok);
                    return;
                }
                _watching = false;
                ForwardPinned(command, RedisRequestKind.Dedicated); // given back once answered
                return;
            case "exec":
                Exec(command);
                return;
            default:
                Discard(command);
                return;
        }
    }

    private void Watch(ReadOnlySpan<byte> command, RedisCommandInfo info, RedisCommandInfo sub)
    {
        CollectKeys(command, info, sub);
        if (_pinned is null)
        {
            if (QueuedCount > 0)
            {
                _waitForReplies = true;
                return;
            }
            var server = RouteKey(Arg(command, KeyArgs[0]), read: false);
            if (server is null)
            {
                EnqueueNoServer();
                return;
            }
            if (!_cluster && !AllKeysOn(command, server))
            {
                EnqueueError(CrossServerText, "CROSSSLOT ");
                return;
            }
            if (!PinTo(server))
            {
                return;
            }
        }
        else if (!_cluster && !AllKeysOn(command, _pinned.Server))
        {
            EnqueueError(CrossServerText, "CROSSSLOT ");
            return;
        }
        _watching = true;
        ForwardPinned(command, RedisRequestKind.Single);
    }

    private void Exec(ReadOnlySpan<byte> command)
    {
        if (!_inMulti)
        {
            if (_pinned is not null)
            {
                ForwardPinned(command, RedisRequestKind.Single); // the server's own "EXEC without MULTI"
            }
            else
            {
                EnqueueLocalError("EXEC without MULTI");
            }
            return;
        }
        if (_pinned is null && _preambleEndList is { Count: > 0 } && !_multiAborted && !_watchLost)
        {
            // Only commands without a key: the transaction runs on any server, after what came before.
            if (QueuedCount > 0)
            {
                _waitForReplies = true;
                return;
            }
            if (RouteKey(default, read: false) is not { } any)
            {
                EndMulti();
                EnqueueNoServer();
                return;
            }
            if (!PinTo(any))
            {
                EndMulti();
                return;
            }
            BeginServerMulti();
        }
        var aborted = _multiAborted;
        var lost = _watchLost;
        EndMulti();
        if (aborted || lost)
        {
            if (_pinned is { } pinned)
            {
                pinned.Enqueue(new DiscardedReply(this), DiscardCommand); // ends the server's MULTI and WATCH
            }
            var request = Rent(RedisRequestKind.Dedicated);
            if (aborted)
            {
                RedisReplies.WriteError(request.Reply, "Transaction discarded because of previous errors.", "EXECABORT ");
            }
            else
            {
                request.Reply.Write(_resp3 ? "_\r\n"u8 : "*-1\r\n"u8); // the watched keys could not be checked: a conflict
            }
            EnqueueDone(request);
            return;
        }
        if (_pinned is null)
        {
            EnqueueLocal("*0\r\n"u8); // an empty transaction
            return;
        }
        ForwardPinned(command, RedisRequestKind.Dedicated);
    }

    private void Discard(ReadOnlySpan<byte> command)
    {
        if (!_inMulti)
        {
            if (_pinned is not null)
            {
                ForwardPinned(command, RedisRequestKind.Single);
            }
            else
            {
                EnqueueLocalError("DISCARD without MULTI");
            }
            return;
        }
        EndMulti();
        if (_pinned is null)
        {
            EnqueueLocal(RedisReplies.Ok);
            return;
        }
        ForwardPinned(command, RedisRequestKind.Dedicated);
    }

    /// <summary>EXEC or DISCARD: the transaction and any WATCH end (on the server too, once sent).</summary>
    private void EndMulti()
    {
        _inMulti = false;
        _multiAborted = false;
        _watchLost = false;
        _watching = false;
        _queuedInMulti = 0;
        _preambleBytes?.Clear();
        _preambleEndList?.Clear();
    }

    /// <summary>A command inside MULTI: queued on the transaction's server, held until it is known, or refused.</summary>
    private bool QueueInMulti(ReadOnlySpan<byte> command, RedisCommandInfo info, RedisCommandInfo sub)
    {
        if (info.Route == RedisRoute.Local && info.Name is not ("ping" or "echo"))
        {
            if (info.Name == "quit")
            {
                return false; // run at once, as redis-server does
            }
            // HELLO, AUTH, SELECT, CLIENT, INFO change or describe the proxy's session: not queued.
            EnqueueError("Command not allowed inside a transaction");
            return true;
        }
        if (info.Route is RedisRoute.None or RedisRoute.Unsupported)
        {
            return false; // refused by the ordinary route, which fails the transaction
        }
        if (info.Route == RedisRoute.PubSub)
        {
            // Run by EXEC on the dedicated connection, a SUBSCRIBE would leave it in subscribed
            // mode and its messages away from the per-worker subscriptions: not queued.
            EnqueueError("Command not allowed inside a transaction");
            return true;
        }
        if (!CollectKeys(command, info, sub))
        {
            if (_pinned is null)
            {
                // Server not known yet: answered now, sent after MULTI once it is.
                ClientCommand.Write(Preamble, new ClientCommand(command, _args, null));
                PreambleEnds.Add(Preamble.Length);
                EnqueueLocal(Queued);
            }
            else
            {
                ForwardPinned(command, RedisRequestKind.Single);
            }
            _queuedInMulti++;
            return true;
        }
        if (_pinned is null)
        {
            if (QueuedCount > 0)
            {
                _waitForReplies = true;
                return true;
            }
            var server = RouteKey(Arg(command, KeyArgs[0]), read: false);
            if (server is null)
            {
                EnqueueNoServer();
                _multiAborted = true;
                return true;
            }
            if (!_cluster && !AllKeysOn(command, server))
            {
                EnqueueError(CrossServerText, "CROSSSLOT ");
                return true;
            }
            if (!PinTo(server))
            {
                return true;
            }
            BeginServerMulti();
        }
        else if (!_cluster && !AllKeysOn(command, _pinned.Server))
        {
            // A redis_cluster node answers a key it does not own with MOVED itself (and fails the transaction).
            EnqueueError(CrossServerText, "CROSSSLOT ");
            return true;
        }
        ForwardPinned(command, RedisRequestKind.Single);
        _queuedInMulti++;
        return true;
    }

    /// <summary>The transaction's server is known: MULTI, then the commands held so far (their replies were given).</summary>
    private void BeginServerMulti()
    {
        var pinned = _pinned!;
        pinned.Enqueue(new DiscardedReply(this), MultiCommand);
        var start = 0;
        foreach (var end in PreambleEnds)
        {
            pinned.Enqueue(new DiscardedReply(this), Preamble.Span[start..end]);
            start = end;
        }
        Preamble.Clear();
        PreambleEnds.Clear();
    }

    /// <summary>Rents a dedicated connection to <paramref name="server"/> for the transaction; false (and the error queued) at the limit.</summary>
    private bool PinTo(PoolServer server)
    {
        var connection = server.RentDedicated(Worker, _dialect);
        if (connection is null)
        {
            EnqueueError(DedicatedLimitText(server));
            return false;
        }
        _pinned = connection;
        _pinnedGeneration = connection.Generation;
        _pinnedBroken = false;
        return true;
    }

    private static string DedicatedLimitText(PoolServer server)
        => $"too many dedicated connections to server '{server.Name}' (dedicated_connections: {server.DedicatedLimit}); blocking commands and transactions wait for one";

    /// <summary>Queues the command on the client's dedicated connection; its reply reaches the client unchanged (a MOVED included).</summary>
    private void ForwardPinned(ReadOnlySpan<byte> command, RedisRequestKind kind)
    {
        var request = Rent(kind);
        Enqueue(request);
        ForwardTo(_pinned!, request, new ClientCommand(command, _args, null));
    }

    /// <summary>
    /// The dedicated connection failed: what the client held on the server (MULTI, WATCH) is gone.
    /// The requests in flight there have failed with the reason; a transaction still open is
    /// failed (EXEC answers EXECABORT), a WATCH becomes a conflict (EXEC answers nil).
    /// </summary>
    private void PinnedLost()
    {
        var pinned = _pinned!;
        _pinned = null;
        _pinnedBroken = false;
        if (_blockingOn == pinned)
        {
            _blockingOn = null;
        }
        pinned.Server.CloseDedicated(pinned);
        if (_inMulti)
        {
            _multiAborted = true;
        }
        else if (_watching)
        {
            _watchLost = true;
        }
        _watching = false;
    }

    /// <summary>A request the proxy sent for the client on its dedicated connection failed (DiscardedReply).</summary>
    internal void PinnedRequestFailed() => _pinnedBroken = true;

    /// <summary>
    /// Gives the dedicated connection back once the client holds nothing on it; with
    /// <paramref name="force"/> even while something the proxy sent there (a DISCARD) is unanswered:
    /// the connection is then closed.
    /// </summary>
    private void ReleasePinned(bool force = false)
    {
        if (_pinned is not { } pinned || _inMulti || _watching || (!pinned.IsIdle && !force) || _blockingOn == pinned)
        {
            return;
        }
        _pinned = null;
        if (_pinnedBroken || pinned.Generation != _pinnedGeneration || !pinned.IsIdle)
        {
            _pinnedBroken = false;
            pinned.Server.CloseDedicated(pinned);
            return;
        }
        pinned.Server.ReturnDedicated(pinned);
    }

    /// <summary>Write loop: a reply from a dedicated connection, then the connection is given back if it is free.</summary>
    private void WriteDedicatedReply(ByteBuffer output, RedisRequest request)
    {
        if (request.Error is { } error)
        {
            WriteFailure(output, error);
        }
        else
        {
            output.Write(request.Reply.Span);
        }
        if (request == _blockingRequest)
        {
            EndBlocking();
        }
        ReleasePinned();
    }

    /// <summary>
    /// The client's socket closed: its subscriptions are dropped (RedisClientSession.PubSub.cs), and
    /// a connection holding its block, MULTI or WATCH is closed, never reused.
    /// </summary>
    protected override void OnClosed()
    {
        DropSubscriptions();
        if (_blockingOn is { } blocking && blocking != _pinned)
        {
            blocking.Server.CloseDedicated(blocking);
        }
        _blockingOn = null;
        _blockingRequest = null;
        if (_pinned is { } pinned)
        {
            _pinned = null;
            if (_inMulti || _watching || !pinned.IsIdle)
            {
                pinned.Server.CloseDedicated(pinned);
            }
            else
            {
                pinned.Server.ReturnDedicated(pinned);
            }
        }
    }

    /// <summary>An error the proxy answers that does not fail an open transaction (redis-server's replies to MULTI, WATCH inside MULTI).</summary>
    private void EnqueueLocalError(string text)
    {
        var request = BeginLocal();
        RedisReplies.WriteError(request.Reply, text);
        EndLocal(request);
    }

    /// <summary>Every key of the command (positions in <see cref="KeyArgs"/>) is on <paramref name="server"/>.</summary>
    private bool AllKeysOn(ReadOnlySpan<byte> command, PoolServer server)
    {
        foreach (var i in KeyArgs)
        {
            if (RouteKey(Arg(command, i), read: false) != server)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The positions of the command's keys into <see cref="KeyArgs"/>; false when it has none.</summary>
    private bool CollectKeys(ReadOnlySpan<byte> command, RedisCommandInfo info, RedisCommandInfo sub)
    {
        KeyArgs.Clear();
        var argc = _args.Count;
        switch (info.Route)
        {
            case RedisRoute.Single:
                KeyArgs.Add(1); // PUBLISH's channel too: it is placed like a key
                break;
            case RedisRoute.KeyRange or RedisRoute.Mget or RedisRoute.Mset or RedisRoute.SumKeys or RedisRoute.Transaction:
                AddKeyRange(info.FirstKey, info.LastKey, info.Step);
                break;
            case RedisRoute.Eval:
                AddNumKeys(command, numKeysAt: 2);
                break;
            case RedisRoute.NumKeysFirst:
                AddNumKeys(command, numKeysAt: 1);
                break;
            case RedisRoute.DestNumKeys:
                KeyArgs.Add(1);
                AddNumKeys(command, numKeysAt: 2);
                break;
            case RedisRoute.SortStore:
                KeyArgs.Add(1);
                for (var i = 2; i + 1 < argc; i++)
                {
                    var a = Arg(command, i);
                    if (Ascii.EqualsIgnoreCase(a, "store"u8) || Ascii.EqualsIgnoreCase(a, "storedist"u8))
                    {
                        KeyArgs.Add(i + 1);
                    }
                }
                break;
            case RedisRoute.SubcommandKey:
                if (sub.FirstKey > 0 && sub.FirstKey < argc)
                {
                    KeyArgs.Add(sub.FirstKey);
                }
                break;
            case RedisRoute.Blocking:
                AddBlockingKeys(command, info);
                break;
        }
        return KeyArgs.Count > 0;
    }

    private void AddKeyRange(int first, int last, int step)
    {
        var argc = _args.Count;
        if (first <= 0)
        {
            return;
        }
        last = last < 0 ? argc + last : last;
        for (var i = first; i <= last && i < argc; i += Math.Max(step, 1))
        {
            KeyArgs.Add(i);
        }
    }

    /// <summary>numkeys at argv[numKeysAt], keys after it; a numkeys the server will refuse adds none.</summary>
    private void AddNumKeys(ReadOnlySpan<byte> command, int numKeysAt)
    {
        if (RespRequestParser.TryParseLong(Arg(command, numKeysAt), out var n) && n > 0 && n <= _args.Count - numKeysAt - 1)
        {
            for (var i = 0; i < n; i++)
            {
                KeyArgs.Add(numKeysAt + 1 + i);
            }
        }
    }
}
