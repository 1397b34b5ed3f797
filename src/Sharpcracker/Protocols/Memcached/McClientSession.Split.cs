using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Stats;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// The text protocol's splits, through the one split loop (<see cref="ClientSession{TRequest}.Split"/>):
/// a get/gets/gat/gats whose keys span servers (one fragment per server, merged back into key
/// order), and an admin command sent to every server (flush_all, verbosity: one fragment per
/// server, one reply back). Meta and binary commands carry one key each and are not split; the
/// binary FLUSH is split to every server like flush_all (McClientSession.Binary.cs).
/// </summary>
internal sealed partial class McClientSession
{
    private void DispatchRetrieval(ReadOnlySpan<byte> line, in McCommand command)
    {
        var keys = line[command.KeysStart..];
        var root = Rent(McRequestKind.RetrievalSplit);
        root.KeyBytes.Write(keys); // the merge compares keys after the client's buffer has moved on
        var pos = 0;
        while (pos < keys.Length)
        {
            var sp = keys[pos..].IndexOf((byte)' ');
            var len = sp < 0 ? keys.Length - pos : sp;
            if (len > 0)
            {
                root.AddKey(pos, len);
            }
            pos += len + 1;
        }
        if (_pool.Routes is { } tree)
        {
            DispatchRoutedRetrieval(tree, line, command, root);
            return;
        }
        // One topology snapshot for the whole command: its indices stay valid under a reload.
        var topology = _pool.Topology;
        var split = new RetrievalSplit(this, topology, root, line[..command.KeysStart]);
        var outcome = Split(root, ref split, out var only);
        if (outcome == SplitOutcome.NoServer)
        {
            EnqueueNoServer();
        }
        else if (outcome == SplitOutcome.OneTarget)
        {
            // The common case: forward the line untouched and pass the reply through.
            root.Kind = McRequestKind.Retrieval;
            root.KeyBytes.Clear();
            root.KeyCount = 0;
            root.StatsClass = Stats.CommandClass.Retrieval;
            Enqueue(root);
            var connection = ConnectionTo(topology.Servers[only]);
            ForwardTo(connection, root, new TextCommand(line));
        }
    }

    /// <summary>flush_all, verbosity and the other admin commands: to every server, one reply back.</summary>
    private void DispatchAdmin(ReadOnlySpan<byte> line, in McCommand command)
    {
        var root = Rent(McRequestKind.AdminSplit);
        root.Noreply = command.Noreply;
        var servers = _pool.Routes is { } tree ? tree.AllServers() : _pool.Topology.Servers;
        var split = new AdminSplit(this, servers, line[..command.ForwardLength]);
        SplitToEveryServer(root, servers.Length, ref split);
    }

    /// <summary>A retrieval's keys by server; a fragment is the command's prefix with its keys.</summary>
    private readonly ref struct RetrievalSplit(McClientSession session, PoolTopology topology, McRequest root, ReadOnlySpan<byte> prefix)
        : ISplitProtocol<McRequest>, ISplitKeys
    {
        private readonly ReadOnlySpan<byte> _prefix = prefix; // a span cannot be captured: a field

        public int KeyCount => root.KeyCount;

        public bool Route(int key, out int target, out int server)
        {
            server = topology.RouteIndex(root.Key(key));
            target = server;
            return server >= 0 && topology.Servers[server] is not null;
        }

        public void InitFragment(McRequest root, McRequest fragment)
        {
            fragment.Kind = McRequestKind.RetrievalFragment;
            fragment.StatsClass = Stats.CommandClass.Retrieval;
        }

        public ServerConnection ConnectionFor(McRequest fragment, int server) => session.ConnectionTo(topology.Servers[server]);

        public void WriteFragment(ByteBuffer output, McRequest root, int fragment)
        {
            output.Write(_prefix);
            var plan = root.Plan;
            var first = true;
            for (var k = 0; k < plan.KeyCount; k++)
            {
                if (plan.FragmentOf(k) != fragment)
                {
                    continue;
                }
                if (!first)
                {
                    output.WriteByte((byte)' ');
                }
                output.Write(root.Key(k));
                first = false;
            }
            output.Write(McReplies.Crlf);
        }

        /// <summary>A backend error line (e.g. out of memory) answers the whole command, as memcached would.</summary>
        public static bool IsMergeable(McRequest root, ReadOnlySpan<byte> reply) => reply.StartsWith("VALUE "u8) || reply.StartsWith("END\r\n"u8);

        public static void WriteFailure(ByteBuffer output, McRequest root, string reason) => WriteServerError(output, reason);

        public static void WriteUnmergeable(ByteBuffer output, McRequest root, ReadOnlySpan<byte> reply) => output.Write(reply);

        /// <summary>
        /// Rebuilds one retrieval reply in the client's key order. Each fragment answered its keys
        /// in order with misses omitted, so walking the keys and taking a fragment's next VALUE
        /// when its key matches restores order and keeps duplicates.
        /// </summary>
        public static bool Merge(ByteBuffer output, McRequest root)
        {
            foreach (var fragment in root.Fragments)
            {
                fragment.MergeCursor = 0;
            }
            var plan = root.Plan;
            for (var k = 0; k < plan.KeyCount; k++)
            {
                var fragment = root.Fragments[plan.FragmentOf(k)];
                var cursor = fragment.MergeCursor;
                var rest = fragment.Reply.Span[cursor..];
                if (!rest.StartsWith("VALUE "u8))
                {
                    continue;
                }
                var nl = rest.IndexOf((byte)'\n');
                if (!McReplyFramer.TryParseValueHeader(rest[..nl], out var key, out var bytes) || !key.SequenceEqual(root.Key(k)))
                {
                    continue;
                }
                var entry = nl + 1 + bytes + 2;
                output.Write(rest[..entry]);
                fragment.MergeCursor = cursor + entry;
            }
            output.Write(McReplies.End);
            return true;
        }
    }

    /// <summary>An admin command to every server: each fragment is the same line.</summary>
    private readonly ref struct AdminSplit(McClientSession session, PoolServer[] servers, ReadOnlySpan<byte> line) : ISplitProtocol<McRequest>
    {
        private readonly ReadOnlySpan<byte> _line = line; // a span cannot be captured: a field

        public void InitFragment(McRequest root, McRequest fragment)
        {
            fragment.Kind = McRequestKind.AdminFragment;
            fragment.StatsClass = Stats.CommandClass.Other;
        }

        public ServerConnection ConnectionFor(McRequest fragment, int server) => session.ConnectionTo(servers[server]);

        public void WriteFragment(ByteBuffer output, McRequest root, int fragment)
        {
            output.Write(_line);
            output.Write(McReplies.Crlf);
        }

        /// <summary>Every server gave the same success line (OK, or RESET for stats reset), or one server's refusal is the client's answer.</summary>
        public static bool IsMergeable(McRequest root, ReadOnlySpan<byte> reply) => reply.SequenceEqual(McReplies.Ok) || reply.SequenceEqual(McReplies.Reset);

        public static void WriteFailure(ByteBuffer output, McRequest root, string reason) => WriteServerError(output, reason);

        public static void WriteUnmergeable(ByteBuffer output, McRequest root, ReadOnlySpan<byte> reply) => output.Write(reply);

        public static bool Merge(ByteBuffer output, McRequest root)
        {
            output.Write(root.Fragments[0].Reply.Span);
            return true;
        }
    }
}
