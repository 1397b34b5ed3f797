using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Routing;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// A Redis client of a redis_cluster pool: routing by hash slot over the pool's slot map, and the
/// redirects a cluster answers with while the proxy's map is behind (docs/redis.md, "Redis Cluster").
/// <list type="bullet">
/// <item>MOVED: the slot's new master goes into the pool's map at once (and a full refresh is
/// asked for); the command is sent again, unchanged, to that master.</item>
/// <item>ASK: the command is sent to the importing node once, after ASKING; the map is unchanged.</item>
/// <item>At most <see cref="MaxRedirects"/> redirects per command; the next one reaches the client.</item>
/// </list>
/// Order: a client's commands reach each server in the order sent. A retry is sent when the
/// redirect arrives, which is in the order of the first server's replies; and once the map
/// changes, the session routes nothing with the new map until every command routed with the old
/// one has finished (<see cref="WaitsForOlderMap"/>), so a GET cannot overtake the SET before it.
/// </summary>
internal sealed partial class RedisClientSession
{
    /// <summary>Redirects followed per command (envoy and overlord use 3–5).</summary>
    public const int MaxRedirects = 5;

    private static ReadOnlySpan<byte> AskingCommand => "*1\r\n$6\r\nASKING\r\n"u8;

    private readonly bool _cluster;
    // redis_cluster: the snapshot this session routes with; renewed only between commands (see WaitsForOlderMap).
    private PoolTopology _routing;

    private PoolServer? RouteKey(ReadOnlySpan<byte> key, bool read) => (_cluster ? _routing : _pool.Topology).Route(key, read);

    /// <summary>
    /// True while the pool's slot map differs from the one this session routed its outstanding
    /// commands with: the next command waits until they have finished (they may still be
    /// redirected to the slot's new owner, and must get there first).
    /// </summary>
    private bool WaitsForOlderMap()
    {
        var current = _pool.Topology;
        if (ReferenceEquals(current, _routing))
        {
            return false;
        }
        if (!ReferenceEquals(current.ClusterMap, _routing.ClusterMap) && QueuedCount > 0)
        {
            return true;
        }
        _routing = current;
        return false;
    }

    /// <summary>
    /// Worker thread, from <see cref="RedisRequest.OnReply"/>: follows a <c>-MOVED slot host:port</c> or
    /// <c>-ASK slot host:port</c> reply by sending the command again. False when the reply is to reach
    /// the client (another error, the redirect limit, a client that is gone).
    /// </summary>
    internal bool TryRedirect(RedisRequest request, ReadOnlySpan<byte> reply)
    {
        bool ask;
        if (reply.StartsWith("-MOVED "u8))
        {
            ask = false;
        }
        else if (reply.StartsWith("-ASK "u8))
        {
            ask = true;
        }
        else
        {
            return false;
        }
        var body = reply[(ask ? 5 : 7)..].TrimEnd("\r\n"u8);
        var space = body.IndexOf((byte)' ');
        if (space <= 0 || !RespRequestParser.TryParseLong(body[..space], out var slot) || slot is < 0 or >= RedisClusterSlotMap.SlotCount
            || request.Server is not { } answered || _pool.Stats.Cluster is not { } stats)
        {
            return false;
        }
        var target = ResolveTarget(body[(space + 1)..], answered);
        if (ask)
        {
            stats.Ask();
        }
        else
        {
            stats.Moved();
            _pool.Control?.Moved((int)slot, target); // the map is updated off the worker

        }
        if (IsAborted)
        {
            return false;
        }
        if (request.Redirects >= MaxRedirects)
        {
            stats.RedirectLimitReached();
            return false;
        }
        if (_pool.ClusterServer(target) is not { } server)
        {
            return false;
        }
        request.Redirects++;
        request.Server = server;
        var connection = ConnectionTo(server, _dialect);
        if (ask)
        {
            connection.Enqueue(new AskingStep(), AskingCommand);
        }
        connection.Enqueue(request, request.Command.Span); // back-pressure is left to new commands: this one was admitted already
        return true;
    }

    /// <summary>Text of a MOVED/ASK target as an endpoint: "host:port", or ":port" resolved against the node that answered.</summary>
    private static string ResolveTarget(ReadOnlySpan<byte> target, PoolServer answered)
    {
        var text = Encoding.ASCII.GetString(target);
        return text.StartsWith(':') ? answered.Config.Host + text : text;
    }

    /// <summary>The ASKING sent before an ASK retry: its reply (+OK) is consumed, not delivered.</summary>
    private sealed class AskingStep : ServerRequest
    {
        private long _remaining;

        public override int TryFrame(ReadOnlySpan<byte> data, ref int scan) => RespReplyFramer.Frame(data, ref scan, ref _remaining);

        public override void OnReply(ReadOnlySpan<byte> reply)
        {
        }

        public override void OnFailure(ServerFailure failure)
        {
        }
    }
}
