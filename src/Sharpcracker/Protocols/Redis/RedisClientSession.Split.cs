using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Routing;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// MGET / MSET / DEL / UNLINK / TOUCH / EXISTS through the one split loop
/// (<see cref="ClientSession{TRequest}.Split"/>), in sharded, replication and redis_cluster pools.
/// </summary>
internal sealed partial class RedisClientSession
{
    /// <summary>
    /// Keys on one target: forwarded untouched. Otherwise one fragment per server (per hash slot in
    /// a redis_cluster pool) with its keys (and values) in client order; the write loop merges
    /// the replies.
    /// </summary>
    private void DispatchSplit(ReadOnlySpan<byte> command, RedisCommandInfo info, int step)
    {
        // One topology snapshot for the whole command: its indices stay valid under a reload.
        var topology = _cluster ? _routing : _pool.Topology;
        var root = Rent(RedisRequestKind.Split);
        root.Route = info.Route;
        var split = new KeySplit(this, topology, command, info, step);
        var outcome = Split(root, ref split, out var only);
        if (outcome == SplitOutcome.OneTarget)
        {
            RecycleUnsent(root);
            Forward(command, topology.Servers[only]);
        }
        else if (outcome == SplitOutcome.NoServer)
        {
            EnqueueNoServer();
        }
    }

    /// <summary>
    /// A multi-key command's keys (every <c>step</c>-th argument from argv[1]: MSET's values ride
    /// with their keys), by server, or by hash slot in a redis_cluster pool (a node refuses keys
    /// of two slots with CROSSSLOT). A fragment is the command with its keys, as RESP.
    /// </summary>
    private readonly ref struct KeySplit(RedisClientSession session, PoolTopology topology, ReadOnlySpan<byte> command, RedisCommandInfo info, int step)
        : ISplitProtocol<RedisRequest>, ISplitKeys
    {
        private readonly ReadOnlySpan<byte> _command = command; // a span cannot be captured: a field

        public int KeyCount => (session._args.Count - 1) / step;

        private ReadOnlySpan<byte> Arg(int i) => session._args.Get(i, _command);

        public bool Route(int key, out int target, out int server)
        {
            var arg = Arg(1 + key * step);
            if (topology.ClusterMap is not null)
            {
                target = RedisClusterSlotMap.Slot(arg);
                server = topology.RouteSlot(target, arg, session._read);
            }
            else
            {
                server = topology.RouteIndex(arg, session._read);
                target = server;
            }
            return server >= 0 && topology.Servers[server] is not null;
        }

        public void InitFragment(RedisRequest root, RedisRequest fragment) => fragment.Kind = RedisRequestKind.Fragment;

        public ServerConnection ConnectionFor(RedisRequest fragment, int server)
        {
            var backend = topology.Servers[server];
            if (session._replicated)
            {
                backend.Replication.Count(session.Worker.Index, session._read);
            }
            if (session._cluster)
            {
                fragment.Server = backend; // where a MOVED/ASK retry starts from
            }
            return session.ConnectionTo(backend, session._dialect);
        }

        public void WriteFragment(ByteBuffer output, RedisRequest root, int fragment)
        {
            var plan = root.Plan;
            var request = root.Fragments[fragment];
            var target = session._cluster ? request.Command : output; // kept for a MOVED/ASK retry, then copied
            RedisReplies.WriteInteger(target, '*', 1 + plan.KeyCountOf(fragment) * step);
            RedisReplies.WriteBulk(target, info.NameBytes);
            for (var k = 0; k < plan.KeyCount; k++)
            {
                if (plan.FragmentOf(k) != fragment)
                {
                    continue;
                }
                var arg = 1 + k * step;
                RedisReplies.WriteBulk(target, Arg(arg));
                if (step == 2)
                {
                    RedisReplies.WriteBulk(target, Arg(arg + 1));
                }
            }
            if (session._cluster)
            {
                output.Write(request.Command.Span);
            }
        }

        /// <summary>A fragment that got an error (or any unexpected) reply answers the whole command with it.</summary>
        public static bool IsMergeable(RedisRequest root, ReadOnlySpan<byte> reply)
        {
            var expected = root.Route switch
            {
                RedisRoute.Mget => (byte)'*',
                RedisRoute.SumKeys => (byte)':',
                _ => (byte)'+',
            };
            return !reply.IsEmpty && reply[0] == expected;
        }

        public static void WriteFailure(ByteBuffer output, RedisRequest root, string reason) => RedisClientSession.WriteFailure(output, reason);

        public static void WriteUnmergeable(ByteBuffer output, RedisRequest root, ReadOnlySpan<byte> reply) => output.Write(reply);

        /// <summary>MGET arrays interleaved back into key order, integers summed, MSET's +OKs folded into one.</summary>
        public static bool Merge(ByteBuffer output, RedisRequest root)
        {
            switch (root.Route)
            {
                case RedisRoute.Mget:
                    var plan = root.Plan;
                    foreach (var fragment in root.Fragments)
                    {
                        fragment.MergeCursor = fragment.Reply.Span.IndexOf((byte)'\n') + 1;
                    }
                    WriteHeader(output, '*', plan.KeyCount);
                    for (var k = 0; k < plan.KeyCount; k++)
                    {
                        var fragment = root.Fragments[plan.FragmentOf(k)];
                        var rest = fragment.Reply.Span[fragment.MergeCursor..];
                        var length = RespReplyFramer.ElementLength(rest);
                        output.Write(rest[..length]);
                        fragment.MergeCursor += length;
                    }
                    break;
                case RedisRoute.SumKeys:
                    long sum = 0;
                    foreach (var fragment in root.Fragments)
                    {
                        RespRequestParser.TryParseLong(fragment.Reply.Span[1..^2], out var n);
                        sum += n;
                    }
                    WriteHeader(output, ':', sum);
                    break;
                default:
                    output.Write(RedisReplies.Ok);
                    break;
            }
            return true;
        }
    }
}
