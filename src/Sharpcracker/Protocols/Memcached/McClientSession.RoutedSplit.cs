using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// A get/gets/gat/gats on a listener that routes: keys whose terminal is a pool are grouped by
/// server (one fragment per server, as on a plain pool, across every pool the tree names); a key
/// whose terminal is failover, replicated or warm-up gets a fragment of its own, which can then be
/// sent again alone. Fragments merge back into key order as always.
/// </summary>
internal sealed partial class McClientSession
{
    /// <summary>One target of the command being split: a server (pool terminals), or one key through a failover, replicated or warm-up terminal. Read loop only; cleared per command.</summary>
    private bool _noRoute; // the split stopped at a key no route takes (not at a key without a server)

    // Made on a routed listener's first split: a plain pool's idle clients stay small.
    private List<(PoolServer? Server, RouteNode Node, int Key)>? _slotList;
    private List<(ShadowRoute Shadow, int Key)>? _shadowKeyList;

    private List<(PoolServer? Server, RouteNode Node, int Key)> Slots => _slotList ??= [];
    private List<(ShadowRoute Shadow, int Key)> ShadowKeys => _shadowKeyList ??= [];

    private void DispatchRoutedRetrieval(RouteTree tree, ReadOnlySpan<byte> line, in McCommand command, McRequest root)
    {
        Slots.Clear();
        ShadowKeys.Clear();
        var prefix = line[..command.KeysStart];
        var split = new RoutedRetrievalSplit(this, tree, root, prefix);
        _noRoute = false;
        var outcome = Split(root, ref split, out var only);
        if (outcome == SplitOutcome.NoServer)
        {
            if (_noRoute)
            {
                EnqueueNoRoute();
            }
            else
            {
                EnqueueNoServer();
            }
            return;
        }
        foreach (var (shadow, k) in ShadowKeys)
        {
            SendRetrievalCopy(shadow, prefix, root.Key(k));
        }
        if (outcome == SplitOutcome.OneTarget)
        {
            var (server, node, _) = Slots[only];
            root.Kind = McRequestKind.Retrieval;
            root.StatsClass = Stats.CommandClass.Retrieval;
            root.Route = node;
            root.RouteOperation = RouteOperation.Get;
            if (server is not null)
            {
                root.KeyBytes.Clear();
                root.KeyCount = 0;
                Enqueue(root);
                ForwardTo(ConnectionTo(server), root, new TextCommand(line));
            }
            else
            {
                // One key (a complex terminal's key has a target of its own) through a failover,
                // replicated or warm-up terminal: Key(0) stays in KeyBytes, the bytes are kept to send again.
                System.Diagnostics.Debug.Assert(root.KeyCount == 1, "a failover, replicated or warm-up target holds one key");
                var key = root.Key(0);
                if (node is ReplicatedRoute r)
                {
                    root.RouteStart = (byte)r.FirstReplica(key, _id);
                }
                var first = NextServer(root, key, first: true)!;
                if (root.RouteAttempt > 0 && node is not WarmUpRoute)
                {
                    node.Counters.Add(Worker.Index, RouteCounter.Failovers); // the first pool's server was skipped (held, ejected)
                }
                TextCommand.Write(root.Command, new TextCommand(line));
                Enqueue(root);
                ForwardTo(ConnectionTo(first), root, new RequestBytes(root.Command.Span));
            }
        }
    }

    /// <summary>A shadow copy of one key's retrieval: <c>&lt;command&gt; &lt;key&gt;</c>.</summary>
    private void SendRetrievalCopy(ShadowRoute shadow, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> key)
    {
        var worker = Worker.Index;
        if (shadow.Shadow.Route(key) is not { } server || !shadow.TryBeginCopy(worker))
        {
            shadow.Counters.Add(worker, RouteCounter.ShadowDropped);
            return;
        }
        var copy = RentCopy(McRequestKind.RetrievalFragment, McMetaQuiet.None, 0, shadow, worker);
        copy.Bytes.Write(prefix);
        copy.Bytes.Write(key);
        copy.Bytes.Write(McReplies.Crlf);
        shadow.Counters.Add(worker, RouteCounter.ShadowSent);
        ConnectionTo(server).Enqueue(copy, copy.Bytes.Span);
    }

    /// <summary>Routes each key through the tree; targets are indices into the session's slot list.</summary>
    private readonly ref struct RoutedRetrievalSplit(McClientSession session, RouteTree tree, McRequest root, ReadOnlySpan<byte> prefix)
        : ISplitProtocol<McRequest>, ISplitKeys
    {
        private readonly ReadOnlySpan<byte> _prefix = prefix; // a span cannot be captured: a field

        public int KeyCount => root.KeyCount;

        public bool Route(int key, out int target, out int server)
        {
            var bytes = root.Key(key);
            ShadowRoute? shadow = null;
            var node = tree.Root.Select(bytes, RouteOperation.Get, ref shadow);
            var worker = session.Worker.Index;
            node.Counters.Add(worker, RouteCounter.Requests);
            if (shadow is not null)
            {
                session.ShadowKeys.Add((shadow, key));
            }
            var slots = session.Slots;
            target = server = -1;
            switch (node)
            {
                case PoolRoute pool:
                    {
                        if (pool.Pool.Route(bytes) is not { } s)
                        {
                            return false;
                        }
                        for (var i = 0; i < slots.Count; i++)
                        {
                            if (ReferenceEquals(slots[i].Server, s))
                            {
                                target = server = i;
                                return true;
                            }
                        }
                        slots.Add((s, node, -1));
                        target = server = slots.Count - 1;
                        return true;
                    }
                case IChildPools terminal:
                    {
                        var any = false;
                        foreach (var p in terminal.Pools)
                        {
                            any |= p.Route(bytes) is not null;
                        }
                        if (!any)
                        {
                            return false;
                        }
                        slots.Add((null, node, key));
                        target = server = slots.Count - 1;
                        return true;
                    }
                default:
                    session._noRoute = true; // no route for the key: the whole command is answered so
                    return false;
            }
        }

        public void InitFragment(McRequest root, McRequest fragment)
        {
            fragment.Kind = McRequestKind.RetrievalFragment;
            fragment.StatsClass = Stats.CommandClass.Retrieval;
        }

        public ServerConnection ConnectionFor(McRequest fragment, int server)
        {
            var (target, node, key) = session.Slots[server];
            fragment.Route = node;
            fragment.RouteOperation = RouteOperation.Get;
            if (target is not null)
            {
                return session.ConnectionTo(target);
            }
            var bytes = root.Key(key);
            fragment.KeyBytes.Write(bytes);
            fragment.AddKey(0, bytes.Length);
            if (node is ReplicatedRoute r)
            {
                fragment.RouteStart = (byte)r.FirstReplica(bytes, session._id);
            }
            fragment.Command.Write(_prefix);
            fragment.Command.Write(bytes);
            fragment.Command.Write(McReplies.Crlf);
            var first = NextServer(fragment, bytes, first: true) ?? ((IChildPools)node).Pools[0].Route(bytes)!;
            if (fragment.RouteAttempt > 0 && node is not WarmUpRoute)
            {
                node.Counters.Add(session.Worker.Index, RouteCounter.Failovers); // the first pool's server was skipped (held, ejected)
            }
            return session.ConnectionTo(first);
        }

        public void WriteFragment(ByteBuffer output, McRequest root, int fragment)
            => new RetrievalSplit(session, null!, root, _prefix).WriteFragment(output, root, fragment);

        public static bool IsMergeable(McRequest root, ReadOnlySpan<byte> reply) => RetrievalSplit.IsMergeable(root, reply);

        public static void WriteFailure(ByteBuffer output, McRequest root, string reason) => RetrievalSplit.WriteFailure(output, root, reason);

        public static void WriteUnmergeable(ByteBuffer output, McRequest root, ReadOnlySpan<byte> reply) => RetrievalSplit.WriteUnmergeable(output, root, reply);

        public static bool Merge(ByteBuffer output, McRequest root) => RetrievalSplit.Merge(output, root);
    }
}
