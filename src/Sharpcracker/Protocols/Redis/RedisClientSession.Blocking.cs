using System.Globalization;
using System.Text;
using Sharpcracker.Engine;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// Commands that block on the server (BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN,
/// BZPOPMAX, BZMPOP, XREAD / XREADGROUP with BLOCK, WAIT; docs/redis.md "Blocking commands"). One
/// goes on a dedicated connection to its keys' server, so the shared pipelined connections never
/// block; like redis-server the proxy parses nothing more from the client until the reply is
/// written, then gives the connection back. The pool's <c>timeout</c> does not cut a command
/// that is meant to block: its own timeout plus the pool's does, and none when it blocks forever.
/// </summary>
internal sealed partial class RedisClientSession
{
    /// <summary>The dedicated connection a blocking command of the client waits on; null when none.</summary>
    private ServerConnection? _blockingOn;
    private RedisRequest? _blockingRequest;

    /// <summary>A blocking command outside MULTI; false when it does not block (XREAD without BLOCK) and takes the ordinary route.</summary>
    private bool Block(ReadOnlySpan<byte> command, RedisCommandInfo info)
    {
        var blockMs = BlockTimeoutMs(command, info);
        CollectKeys(command, info, info);
        if (blockMs is null)
        {
            // XREAD / XREADGROUP without BLOCK: an ordinary read of its streams' server.
            if (KeyArgs.Count == 0)
            {
                ForwardByKey(command, Arg(command, 1)); // no STREAMS: the server answers the syntax error
            }
            else
            {
                ForwardSameServer(command, info, KeyArgs[0], KeyArgs[^1], 1);
            }
            return true;
        }
        if (QueuedCount > 0)
        {
            _waitForReplies = true; // every command before it is answered first: it blocks after them, as on one server
            return true;
        }
        var server = RouteKey(KeyArgs.Count > 0 ? Arg(command, KeyArgs[0]) : default, read: false);
        if (server is null)
        {
            EnqueueNoServer();
            return true;
        }
        if (!_cluster && !AllKeysOn(command, server))
        {
            EnqueueError($"keys of '{info.Name}' map to different servers; in proxy mode all its keys must be on one server (use a hash tag)");
            return true;
        }
        // A client holding a WATCH on that server blocks on the same connection (the block runs after the WATCH).
        var connection = _pinned is { } pinned && pinned.Server == server ? pinned : server.RentDedicated(Worker, _dialect);
        if (connection is null)
        {
            EnqueueError(DedicatedLimitText(server));
            return true;
        }
        var request = Rent(RedisRequestKind.Dedicated);
        request.TimeoutMs = blockMs.Value;
        Enqueue(request);
        _blockingOn = connection;
        _blockingRequest = request;
        ForwardTo(connection, request, new ClientCommand(command, _args, null));
        return true;
    }

    /// <summary>Write loop: the blocking command's reply is written; the client is parsed again.</summary>
    private void EndBlocking()
    {
        var connection = _blockingOn!;
        _blockingOn = null;
        _blockingRequest = null;
        if (connection != _pinned)
        {
            connection.Server.ReturnDedicated(connection);
        }
        RequestResume();
    }

    /// <summary>
    /// How long the proxy waits for the reply: the command's own timeout plus the pool's
    /// <c>timeout</c>, <see cref="ServerRequest.NoTimeout"/> when either is unbounded, 0 (the
    /// pool's) when the timeout is one the server will refuse; null when the command does not block.
    /// </summary>
    private long? BlockTimeoutMs(ReadOnlySpan<byte> command, RedisCommandInfo info)
    {
        var argc = _args.Count;
        double ownMs;
        switch (info.Name)
        {
            case "xread" or "xreadgroup":
                var block = -1;
                for (var i = 1; i + 1 < argc; i++)
                {
                    var a = Arg(command, i);
                    if (Ascii.EqualsIgnoreCase(a, "streams"u8))
                    {
                        break;
                    }
                    if (Ascii.EqualsIgnoreCase(a, "block"u8))
                    {
                        block = i + 1;
                    }
                }
                if (block < 0)
                {
                    return null;
                }
                if (!RespRequestParser.TryParseLong(Arg(command, block), out var ms) || ms < 0)
                {
                    return 0;
                }
                ownMs = ms;
                break;
            case "wait":
                if (!RespRequestParser.TryParseLong(Arg(command, 2), out var waitMs) || waitMs < 0)
                {
                    return 0;
                }
                ownMs = waitMs;
                break;
            default:
                // Seconds, a decimal (redis-server's getTimeoutFromObjectOrReply): last, or argv[1] for BLMPOP / BZMPOP.
                var at = info.Name is "blmpop" or "bzmpop" ? 1 : argc - 1;
                if (!double.TryParse(Encoding.ASCII.GetString(Arg(command, at)), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                    || seconds < 0 || double.IsNaN(seconds) || double.IsInfinity(seconds))
                {
                    return 0;
                }
                ownMs = seconds * 1000;
                break;
        }
        if (ownMs == 0 || _pool.Config.TimeoutMs is not ({ } poolMs and > 0))
        {
            return ServerRequest.NoTimeout;
        }
        return (long)Math.Min(ownMs + poolMs, long.MaxValue / 2);
    }

    /// <summary>The keys of a blocking command whose table row does not give them: BLMPOP / BZMPOP's numkeys, XREAD's STREAMS.</summary>
    private void AddBlockingKeys(ReadOnlySpan<byte> command, RedisCommandInfo info)
    {
        switch (info.Name)
        {
            case "blmpop" or "bzmpop":
                AddNumKeys(command, numKeysAt: 2);
                return;
            case "xread" or "xreadgroup":
                var argc = _args.Count;
                for (var i = 1; i < argc; i++)
                {
                    if (Ascii.EqualsIgnoreCase(Arg(command, i), "streams"u8))
                    {
                        var count = (argc - i - 1) / 2;
                        if (count > 0 && (argc - i - 1) % 2 == 0)
                        {
                            for (var k = 0; k < count; k++)
                            {
                                KeyArgs.Add(i + 1 + k);
                            }
                        }
                        return;
                    }
                }
                return;
            case "wait":
                return;
            default:
                AddKeyRange(info.FirstKey, info.LastKey, info.Step);
                return;
        }
    }
}
