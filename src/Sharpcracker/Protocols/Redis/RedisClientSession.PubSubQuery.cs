using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB / HELP: sent to every server
/// of the pool (through the split loop's <see cref="ClientSession{TRequest}.SplitToEveryServer"/>)
/// and merged: channel lists are united, NUMSUB counts summed per channel, NUMPAT is the largest
/// (every worker subscribes its patterns on every server, so each server counts them all). The
/// numbers count the proxy's subscription connections (one per worker and server) plus any
/// client of the servers themselves, not the proxy's clients (docs/compatibility.md).
/// </summary>
internal sealed partial class RedisClientSession
{
    private void PubSubQuery(ReadOnlySpan<byte> command, RedisCommandInfo sub)
    {
        var topology = _cluster ? _routing : _pool.Topology;
        var servers = topology.Servers.Where(s => s is not null).ToArray();
        if (servers.Length == 0)
        {
            EnqueueNoServer();
            return;
        }
        var root = Rent(RedisRequestKind.PubSub);
        root.Route = RedisRoute.PubSub;
        var split = new PubSubQuerySplit(this, servers, command, sub);
        SplitToEveryServer(root, servers.Length, ref split);
    }

    /// <summary>Write loop: a PUBSUB query's merge, or a SUBSCRIBE's confirmations.</summary>
    private static void WritePubSub(ByteBuffer output, RedisRequest request)
    {
        if (request.Route == RedisRoute.PubSub)
        {
            WriteMerged<PubSubQuerySplit>(output, request);
            return;
        }
        WriteSubscribed(output, request);
    }

    /// <summary>The PUBSUB command whole to every server; see the type's summary for the merge.</summary>
    private readonly ref struct PubSubQuerySplit(RedisClientSession session, PoolServer[] servers, ReadOnlySpan<byte> command, RedisCommandInfo sub)
        : ISplitProtocol<RedisRequest>
    {
        private readonly ReadOnlySpan<byte> _command = command;

        public void InitFragment(RedisRequest root, RedisRequest fragment)
        {
            fragment.Kind = RedisRequestKind.Fragment;
            root.Subcommand = sub; // what the merge does
        }

        public ServerConnection ConnectionFor(RedisRequest fragment, int server) => session.ConnectionTo(servers[server], session._dialect);

        public void WriteFragment(ByteBuffer output, RedisRequest root, int fragment)
            => ClientCommand.Write(output, new ClientCommand(_command, session._args, null));

        public static bool IsMergeable(RedisRequest root, ReadOnlySpan<byte> reply)
            => !reply.IsEmpty && reply[0] is (byte)'*' or (byte)'%' or (byte)':';

        public static void WriteFailure(ByteBuffer output, RedisRequest root, string reason) => RedisClientSession.WriteFailure(output, reason);

        public static void WriteUnmergeable(ByteBuffer output, RedisRequest root, ReadOnlySpan<byte> reply) => output.Write(reply);

        public static bool Merge(ByteBuffer output, RedisRequest root)
        {
            var fragments = root.Fragments;
            switch (root.Subcommand!.Name)
            {
                case "pubsub|numpat":
                    long most = 0;
                    foreach (var fragment in fragments)
                    {
                        RespRequestParser.TryParseLong(fragment.Reply.Span[1..^2], out var n);
                        most = Math.Max(most, n);
                    }
                    RedisReplies.WriteInteger(output, ':', most);
                    return true;
                case "pubsub|numsub" or "pubsub|shardnumsub": // [channel, count] pairs (a RESP3 map), in argument order on every server
                    {
                        var first = fragments[0].Reply.Span;
                        var pairs = ElementsOf(first, out var isMap);
                        if (!isMap)
                        {
                            pairs /= 2;
                        }
                        var sums = new long[pairs];
                        var names = new byte[pairs][];
                        foreach (var fragment in fragments)
                        {
                            var rest = fragment.Reply.Span;
                            rest = rest[(rest.IndexOf((byte)'\n') + 1)..];
                            for (var p = 0; p < pairs && !rest.IsEmpty; p++)
                            {
                                var nameLength = RespReplyFramer.ElementLength(rest);
                                names[p] ??= rest[..nameLength].ToArray();
                                rest = rest[nameLength..];
                                var countLength = RespReplyFramer.ElementLength(rest);
                                RespRequestParser.TryParseLong(rest[1..(countLength - 2)], out var n);
                                sums[p] += n;
                                rest = rest[countLength..];
                            }
                        }
                        RedisReplies.WriteInteger(output, isMap ? '%' : '*', isMap ? pairs : pairs * 2);
                        for (var p = 0; p < pairs; p++)
                        {
                            output.Write(names[p]);
                            RedisReplies.WriteInteger(output, ':', sums[p]);
                        }
                        return true;
                    }
                case "pubsub|help": // the same text everywhere
                    output.Write(fragments[0].Reply.Span);
                    return true;
                default: // CHANNELS, SHARDCHANNELS: the union, first seen first
                    {
                        var seen = new HashSet<string>(StringComparer.Ordinal);
                        var union = new List<byte[]>();
                        foreach (var fragment in fragments)
                        {
                            var rest = fragment.Reply.Span;
                            var count = ElementsOf(rest, out _);
                            rest = rest[(rest.IndexOf((byte)'\n') + 1)..];
                            for (var i = 0; i < count && !rest.IsEmpty; i++)
                            {
                                var length = RespReplyFramer.ElementLength(rest);
                                var element = rest[..length];
                                if (seen.Add(Encoding.Latin1.GetString(element)))
                                {
                                    union.Add(element.ToArray());
                                }
                                rest = rest[length..];
                            }
                        }
                        RedisReplies.WriteInteger(output, '*', union.Count);
                        foreach (var element in union)
                        {
                            output.Write(element);
                        }
                        return true;
                    }
            }
        }

        /// <summary>The element count in an aggregate's header (a map's pairs).</summary>
        private static int ElementsOf(ReadOnlySpan<byte> reply, out bool isMap)
        {
            isMap = reply[0] == (byte)'%';
            var nl = reply.IndexOf((byte)'\r');
            RespRequestParser.TryParseLong(reply[1..nl], out var n);
            return (int)Math.Max(0, n);
        }
    }
}
