using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Routing;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// One Redis client connection. The read loop parses complete commands (RESP arrays and inline
/// lines, exactly as redis-server 7.0), appends one request per command to this session's reply
/// queue (request order) and copies its bytes once into the chosen server connection's send
/// buffer; MGET/MSET/DEL/UNLINK/TOUCH/EXISTS spanning servers are split into one fragment per
/// server (RedisClientSession.Split.cs). Server threads complete requests in any order; the write
/// loop writes finished requests strictly from the head of the queue (merging split ones),
/// flushing once per batch.
/// </summary>
internal sealed partial class RedisClientSession : ClientSession<RedisRequest>
{
    /// <summary>Smallest stretch copied out of a segmented input to parse a command that straddles segments.</summary>
    private const int MinLinearize = 256;

    private readonly RespArgs _args = new();
    private readonly ByteBuffer _linear = new();
    private readonly byte[]? _password;
    private long _needed;
    private bool _authenticated;
    // The command being routed: a read (a replication group may send it to a replica), and whether
    // the pool is a replication pool (reads and writes counted per server).
    private bool _read;
    private bool _replicated;

    private readonly ServerPool _pool;

    public RedisClientSession(ServerPool pool, Worker worker, System.Net.Sockets.Socket socket, long id, ILogger logger)
        : base(pool, worker, socket, id, logger)
    {
        _pool = pool;
        _password = pool.Config.RedisAuth is { } auth ? Encoding.UTF8.GetBytes(auth) : null;
        _authenticated = _password is null && pool.Config.AuthFile is null;
        _cluster = pool.Config.Distribution == DistributionKind.RedisCluster;
        _routing = pool.Topology;
    }

    protected override RedisRequest NewRequest() => new(this);

    protected override bool IsQuit(RedisRequest request) => request.Kind == RedisRequestKind.Quit;

    /// <summary>A command forwarded whole to one server: its reply reaches the client unchanged.</summary>
    protected override bool PassesThrough(RedisRequest request) => request.Kind == RedisRequestKind.Single;

    protected override Progress Process(ref ReadOnlySequence<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (QueueFull || _helloPending || (_cluster && WaitsForOlderMap()))
            {
                return Progress.Paused;
            }
            if (_blockingOn is not null)
            {
                return Progress.Blocked; // redis-server parses nothing more from a blocked client
            }
            if (buffer.Length < _needed)
            {
                return Progress.NeedMore;
            }
            var authRequired = !_authenticated;
            var data = buffer.FirstSpan;
            var limit = _pool.Config.RequestSizeLimit;
            var status = RespRequestParser.Parse(data, _args, authRequired, out var consumed, out var needed, out var error, limit);
            if (status == RespParseStatus.NeedMore && buffer.Length > data.Length)
            {
                // The command straddles segments: parse a contiguous copy of enough of the input.
                var copy = 0L;
                while (status == RespParseStatus.NeedMore && copy < buffer.Length && needed <= buffer.Length)
                {
                    copy = Math.Min(buffer.Length, Math.Max(Math.Max(needed, MinLinearize), copy * 2));
                    _linear.Clear();
                    _linear.Write(buffer.Slice(0, copy));
                    data = _linear.Span;
                    status = RespRequestParser.Parse(data, _args, authRequired, out consumed, out needed, out error, limit);
                }
            }
            if ((status == RespParseStatus.NeedMore && needed > limit) || (status == RespParseStatus.Command && consumed > limit))
            {
                // Every argument within the limit but the command as a whole over it: closed after
                // the replies before it, as redis-server closes a client over client-query-buffer-limit.
                _logger.ClientRequestTooLarge(_pool.Name, _id, limit);
                EnqueueQuit(null);
                return Progress.Stop;
            }
            switch (status)
            {
                case RespParseStatus.NeedMore:
                    _needed = needed;
                    return Progress.NeedMore;
                case RespParseStatus.Error:
                    EnqueueQuit(error!);
                    return Progress.Stop;
                case RespParseStatus.Empty:
                    _needed = 0;
                    buffer = buffer.Slice(consumed);
                    continue;
            }
            _needed = 0;
            var stop = Execute(data[..consumed]);
            if (_waitForReplies)
            {
                // The command must not pass the replies before it (it changes connection): left in
                // the input unconsumed, and parsed again once they are all written.
                _waitForReplies = false;
                return Progress.Paused;
            }
            buffer = buffer.Slice(consumed);
            if (_linear.Length > 0)
            {
                _linear.Clear();
            }
            if (stop)
            {
                return Progress.Stop;
            }
            if (_blockingOn is not null)
            {
                return Progress.Blocked;
            }
            if (Saturated)
            {
                return Progress.Paused;
            }
        }
        return Progress.NeedMore;
    }

    private ReadOnlySpan<byte> Arg(ReadOnlySpan<byte> command, int i) => _args.Get(i, command);

    /// <summary>Serves one parsed command; true when the client must be closed after its reply.</summary>
    private bool Execute(ReadOnlySpan<byte> command)
    {
        var argc = _args.Count;
        var name = Arg(command, 0);
        var info = RedisCommandTable.Find(name);
        if (info is null)
        {
            EnqueueError(UnknownCommandText(command));
            return false;
        }
        if (!info.ArityOk(argc))
        {
            EnqueueError(ArityText(info));
            return false;
        }
        var sub = info;
        if (info.Route is RedisRoute.SubcommandKey or RedisRoute.FanoutSub || info.Name is "client" or "pubsub")
        {
            sub = RedisCommandTable.Find(name, Arg(command, 1))!;
            if (sub is null)
            {
                EnqueueError($"unknown subcommand '{Truncate(Arg(command, 1), 128)}'. Try {info.Name.ToUpperInvariant()} HELP.");
                return false;
            }
            if (!sub.ArityOk(argc))
            {
                EnqueueError(ArityText(sub));
                return false;
            }
        }
        if (!_authenticated && info.Name is not ("auth" or "hello" or "quit"))
        {
            EnqueueLocal(RedisReplies.NoAuth);
            return false;
        }
        if (_pool.Config.RedisRefuseCommands is { } refused && IsRefused(refused, info, sub))
        {
            return false; // redis_refuse_commands (RedisClientSession.Keyspace.cs)
        }
        _lastCommand = sub.Name;
        _lastCommandAt = Worker.Now;
        if (_readOnlyUser && !sub.IsReadOnly && info.Route != RedisRoute.Local && info.Name != "command")
        {
            // An auth_file @readonly user: redis-server's refusal for a user without the command.
            EnqueueError($"this user has no permissions to run the '{sub.Name}' command", prefix: "NOPERM ");
            return false;
        }
        if (AnsweredInSubscribedMode(command, info, sub))
        {
            return false; // RESP2 subscribed mode (RedisClientSession.PubSub.cs)
        }
        var topology = _pool.Topology;
        var groups = topology.Groups;
        // A redis_cluster pool routes with its session snapshot; under a replica read policy it has groups per master.
        _replicated = groups is not null || (_cluster && _routing.ClusterGroups is not null);
        _read = _replicated && ReplicaReads.IsRead(info, sub, topology.ForkReads);
        // A listener that routes copies writes to its shadow pools (ShadowWrite); reads are not copied.
        _shadowsWrite = topology.Composite is not null && !ReplicaReads.IsRead(info, sub, forkRule: false);
        if ((_pinned is not null || _inMulti || info.Route is RedisRoute.Blocking or RedisRoute.Transaction)
            && ExecuteStateful(command, info, sub, out var stop))
        {
            return stop; // a transaction, WATCH or blocking command (RedisClientSession.Transaction.cs, .Blocking.cs)
        }
        if (info.IsForkMasterOnly && groups is null && _pool.Config.ForkLayout)
        {
            // The fork serves RENAME, RENAMENX, SCAN, BITOP and MSETNX only in pools with a master.
            EnqueueError(UnknownCommandText(command));
            return false;
        }
        switch (info.Route)
        {
            case RedisRoute.Single:
                ForwardByKey(command, Arg(command, 1));
                return false;
            case RedisRoute.KeyRange:
                {
                    var last = info.LastKey < 0 ? argc + info.LastKey : info.LastKey;
                    ForwardSameServer(command, info, info.FirstKey, last, info.Step);
                    return false;
                }
            case RedisRoute.Eval:
                ForwardNumKeys(command, info, numKeysAt: 2, firstKey: 3, extraKey: 0);
                return false;
            case RedisRoute.NumKeysFirst:
                ForwardNumKeys(command, info, numKeysAt: 1, firstKey: 2, extraKey: 0);
                return false;
            case RedisRoute.DestNumKeys:
                ForwardNumKeys(command, info, numKeysAt: 2, firstKey: 3, extraKey: 1);
                return false;
            case RedisRoute.SortStore:
                ForwardSortStore(command, info);
                return false;
            case RedisRoute.SubcommandKey:
                if (sub.FirstKey > 0)
                {
                    ForwardByKey(command, Arg(command, sub.FirstKey));
                }
                else
                {
                    ForwardAny(command);
                }
                return false;
            case RedisRoute.Any:
                ForwardAny(command);
                return false;
            case RedisRoute.Mget:
                DispatchSplit(command, info, step: 1);
                return false;
            case RedisRoute.Mset:
                if (argc % 2 == 0)
                {
                    EnqueueError(ArityText(info));
                    return false;
                }
                DispatchSplit(command, info, step: 2);
                return false;
            case RedisRoute.SumKeys:
                DispatchSplit(command, info, step: 1);
                return false;
            case RedisRoute.Local:
                return ExecuteLocal(command, info);
            case RedisRoute.Scan:
                DispatchScan(command);
                return false;
            case RedisRoute.Fanout:
            case RedisRoute.FanoutSub:
                DispatchFanout(command, sub);
                return false;
            case RedisRoute.PubSub:
                ExecutePubSub(command, info, sub);
                return false;
            default:
                EnqueueError($"unsupported command '{info.Name}' in proxy mode");
                return false;
        }
    }

    private static string ArityText(RedisCommandInfo info) => $"wrong number of arguments for '{info.Name}' command";

    /// <summary>C's "%.Ns" of a byte string: at most N bytes, stopping at a NUL.</summary>
    private static string Truncate(ReadOnlySpan<byte> bytes, int max)
    {
        var nul = bytes.IndexOf((byte)0);
        if (nul >= 0)
        {
            bytes = bytes[..nul];
        }
        return Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, max)]);
    }

    /// <summary>redis-server's unknown-command text: name, then quoted arguments while the list is under 128 bytes.</summary>
    private string UnknownCommandText(ReadOnlySpan<byte> command)
    {
        var args = new StringBuilder();
        for (var i = 1; i < _args.Count && args.Length < 128; i++)
        {
            args.Append('\'').Append(Truncate(Arg(command, i), 128 - args.Length)).Append("' ");
        }
        return $"unknown command '{Truncate(Arg(command, 0), 128)}', with args beginning with: {args}";
    }

    // ---- request pool and queue (read loop side) ----

    private RedisRequest Rent(RedisRequestKind kind)
    {
        var request = RentRequest();
        request.Kind = kind;
        return request;
    }

    private void EnqueueLocal(ReadOnlySpan<byte> reply)
    {
        var request = Rent(RedisRequestKind.Local);
        request.Reply.Write(reply);
        EnqueueDone(request);
    }

    private RedisRequest BeginLocal() => Rent(RedisRequestKind.Local);

    private void EndLocal(RedisRequest request) => EnqueueDone(request);

    private void EnqueueError(string text, string prefix = "ERR ")
    {
        // Inside MULTI a command refused before it is queued fails the transaction (redis-server's flagTransaction).
        _multiAborted |= _inMulti;
        var request = BeginLocal();
        RedisReplies.WriteError(request.Reply, text, prefix);
        EndLocal(request);
    }

    /// <summary>
    /// Writes <paramref name="protocolError"/> (a <see cref="RespRequestParser"/> error, Latin-1) as -ERR
    /// (or +OK for QUIT) after everything before it, then closes.
    /// </summary>
    private void EnqueueQuit(string? protocolError, bool ok = false)
    {
        var request = Rent(RedisRequestKind.Quit);
        if (ok)
        {
            request.Reply.Write(RedisReplies.Ok);
        }
        else if (protocolError is not null)
        {
            RedisReplies.WriteProtocolError(request.Reply, protocolError);
        }
        EnqueueDone(request);
    }

    // ---- forwarding ----

    private void ForwardByKey(ReadOnlySpan<byte> command, ReadOnlySpan<byte> key)
    {
        // A replication pool (or a redis_cluster pool under a replica read policy) routes reads and writes differently.
        var server = RouteKey(key, _read);
        if (server is null)
        {
            EnqueueNoServer();
            return;
        }
        Forward(command, server);
        if (_shadowsWrite && _pool.Routes is { } routes)
        {
            ShadowWrite(routes, command, key);
        }
    }

    private Stack<RedisShadowCopy>? _shadowCopyStack; // made on first use: idle clients stay small
    private Stack<RedisShadowCopy> ShadowCopies => _shadowCopyStack ??= new();
    private bool _shadowsWrite; // the current command is a write on a listener that routes

    /// <summary>
    /// A listener that routes: a single-key write whose key is in a shadow route's fraction is
    /// also sent to the shadow pool, its reply dropped; bounded per worker like memcached's copies
    /// (docs/routes.md). Reads are not copied (mirroring, as Envoy's redis_proxy does it).
    /// </summary>
    private void ShadowWrite(Pools.Routes.RouteTree routes, ReadOnlySpan<byte> command, ReadOnlySpan<byte> key)
    {
        Pools.Routes.ShadowRoute? shadow = null;
        routes.Root.Select(key, Pools.Routes.RouteOperation.Update, ref shadow);
        if (shadow is null)
        {
            return;
        }
        var worker = Worker.Index;
        if (shadow.Shadow.Route(key) is not { } target || !shadow.TryBeginCopy(worker))
        {
            shadow.Counters.Add(worker, Pools.Routes.RouteCounter.ShadowDropped);
            return;
        }
        var copy = ShadowCopies.TryPop(out var free) ? free : new RedisShadowCopy(ShadowCopies);
        copy.Set(shadow, worker);
        shadow.Counters.Add(worker, Pools.Routes.RouteCounter.ShadowSent);
        // Never pauses the client: a saturated shadow connection is the shadow's problem.
        ConnectionTo(target, _dialect).Enqueue(copy, new ClientCommand(command, _args, null));
    }

    private void ForwardAny(ReadOnlySpan<byte> command) => ForwardByKey(command, default);

    /// <summary>Forwards the command untouched (an inline command is re-encoded as a RESP array).</summary>
    private void Forward(ReadOnlySpan<byte> command, PoolServer server)
    {
        var request = Rent(RedisRequestKind.Single);
        Enqueue(request);
        if (_replicated)
        {
            server.Replication.Count(Worker.Index, _read);
        }
        var connection = ConnectionTo(server, _dialect);
        if (_cluster)
        {
            request.Server = server;
        }
        // A redis_cluster pool keeps the bytes for a MOVED/ASK retry: written there, then copied.
        ForwardTo(connection, request, new ClientCommand(command, _args, _cluster ? request.Command : null));
    }

    /// <summary>No live server for the key (all ejected): counted as a forward error, as twemproxy does.</summary>
    private void EnqueueNoServer()
    {
        _pool.Stats.ForwardErrors(1);
        if (!_pool.Discovery.IsKnown)
        {
            // Past discovery_timeout, still no Sentinel master / slot map: say so, not "no server".
            EnqueueError("servers not discovered yet: " + _pool.Discovery.Missing);
            return;
        }
        if (_replicated)
        {
            // A replication group without a usable server for this request (docs/redis.md).
            EnqueueError(_read
                ? "no server for reads in this key's replication group (read_policy leaves none)"
                : "no master for this key's replication group (failover in progress or none known)");
            return;
        }
        EnqueueLocal(RedisReplies.NoServer);
    }

    /// <summary>Keys at first..last (inclusive, step): forwarded when they all map to one server, refused otherwise.</summary>
    private void ForwardSameServer(ReadOnlySpan<byte> command, RedisCommandInfo info, int first, int last, int step, int extraKey = 0)
    {
        if (_cluster)
        {
            // The first key's slot owner answers: the exact CROSSSLOT, MOVED, ASK or TRYAGAIN of a cluster.
            ForwardByKey(command, Arg(command, extraKey > 0 ? extraKey : first < _args.Count ? first : 1));
            return;
        }
        // Keys are compared by shard (a replication group is one shard whatever server serves it);
        // the server is then picked for the first key.
        var topology = _pool.Topology;
        var only = -1;
        var pickKey = -1;
        if (extraKey > 0)
        {
            only = topology.ShardIndex(Arg(command, extraKey));
            pickKey = extraKey;
            if (only < 0)
            {
                EnqueueNoServer();
                return;
            }
        }
        for (var i = first; i <= last && i < _args.Count; i += Math.Max(step, 1))
        {
            var shard = topology.ShardIndex(Arg(command, i));
            if (shard < 0)
            {
                EnqueueNoServer();
                return;
            }
            if (only < 0)
            {
                only = shard;
                pickKey = i;
            }
            else if (only != shard)
            {
                EnqueueError($"keys of '{info.Name}' map to different servers; in proxy mode all its keys must be on one server (use a hash tag)");
                return;
            }
        }
        if (only < 0)
        {
            ForwardAny(command);
            return;
        }
        var index = topology.ServerIndex(only, Arg(command, pickKey), _read);
        if (index < 0)
        {
            EnqueueNoServer();
            return;
        }
        Forward(command, topology.Servers[index]);
    }

    /// <summary>
    /// numkeys at argv[numKeysAt], keys after it (plus argv[extraKey], a destination, when non-zero).
    /// A numkeys the server would refuse (not a number, out of range) or zero: the command goes to the
    /// server of argv[1], which answers it as redis-server would.
    /// </summary>
    private void ForwardNumKeys(ReadOnlySpan<byte> command, RedisCommandInfo info, int numKeysAt, int firstKey, int extraKey)
    {
        if (!RespRequestParser.TryParseLong(Arg(command, numKeysAt), out var numKeys) || numKeys <= 0 || numKeys > _args.Count - firstKey)
        {
            ForwardByKey(command, Arg(command, 1));
            return;
        }
        ForwardSameServer(command, info, firstKey, firstKey + (int)numKeys - 1, 1, extraKey);
    }

    /// <summary>SORT / GEORADIUS*: argv[1] plus the key after STORE (and STOREDIST).</summary>
    private void ForwardSortStore(ReadOnlySpan<byte> command, RedisCommandInfo info)
    {
        for (var i = 2; i + 1 < _args.Count; i++)
        {
            var a = Arg(command, i);
            if (Ascii.EqualsIgnoreCase(a, "store"u8) || (info.Name.StartsWith("georadius", StringComparison.Ordinal) && Ascii.EqualsIgnoreCase(a, "storedist"u8)))
            {
                ForwardSameServer(command, info, i + 1, i + 1, 1, extraKey: 1);
                return;
            }
        }
        ForwardByKey(command, Arg(command, 1));
    }

    private static bool PasswordMatches(ReadOnlySpan<byte> given, byte[] expected)
        => CryptographicOperations.FixedTimeEquals(given, expected);

    // ---- write loop ----

    protected override bool WriteReply(ByteBuffer output, RedisRequest request)
    {
        switch (request.Kind)
        {
            case RedisRequestKind.Local:
                output.Write(request.Reply.Span);
                break;
            case RedisRequestKind.Single:
                if (request.Error is { } error)
                {
                    WriteFailure(output, error);
                }
                else
                {
                    output.Write(request.Reply.Span);
                }
                break;
            case RedisRequestKind.Split:
                WriteMerged<KeySplit>(output, request);
                break;
            case RedisRequestKind.Hello:
                WriteHello(output, request);
                break;
            case RedisRequestKind.Dedicated:
                WriteDedicatedReply(output, request);
                break;
            case RedisRequestKind.Fanout:
                WriteMerged<FanoutSplit>(output, request);
                break;
            case RedisRequestKind.PubSub:
                WritePubSub(output, request);
                break;
        }
        return true; // Redis has no noreply: every command is answered
    }

    private static void WriteFailure(ByteBuffer output, string reason)
    {
        output.Write("-ERR "u8);
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(reason.Length) + 2);
        var n = Encoding.UTF8.GetBytes(reason, span);
        span[n] = (byte)'\r';
        span[n + 1] = (byte)'\n';
        output.Advance(n + 2);
    }

    private static void WriteHeader(ByteBuffer output, char prefix, long value)
    {
        var span = output.GetSpan(24);
        span[0] = (byte)prefix;
        System.Buffers.Text.Utf8Formatter.TryFormat(value, span[1..], out var n);
        span[n + 1] = (byte)'\r';
        span[n + 2] = (byte)'\n';
        output.Advance(n + 3);
    }
}
