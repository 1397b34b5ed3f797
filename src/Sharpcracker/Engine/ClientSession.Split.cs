using System.Diagnostics;
using Sharpcracker.Common;

namespace Sharpcracker.Engine;

/// <summary>
/// The one split loop, for both protocols: route every key into the root request's
/// <see cref="SplitPlan"/>, make one fragment per target, send each with its keys, and later
/// merge their replies in the write loop. Where bytes differ, <see cref="ISplitProtocol{TRequest}"/> says.
/// </summary>
internal abstract partial class ClientSession<TRequest>
{
    /// <summary>
    /// Routes every key of <paramref name="root"/> into its plan, grouping by target, and when
    /// the keys span targets sends the fragments (counted in the pool's fragments stat). On
    /// <see cref="SplitOutcome.OneTarget"/>, <paramref name="server"/> is the one server (topology
    /// index) and the root, its plan cleared, is the caller's to forward whole; on
    /// <see cref="SplitOutcome.NoServer"/> the root is recycled.
    /// </summary>
    protected SplitOutcome Split<TProtocol>(TRequest root, ref TProtocol protocol, out int server)
        where TProtocol : ISplitProtocol<TRequest>, ISplitKeys, allows ref struct
    {
        var plan = root.Plan;
        Debug.Assert(plan.KeyCount == 0 && root.Fragments.Count == 0, "a request is split once");
        server = -1;
        var keys = protocol.KeyCount;
        for (var k = 0; k < keys; k++)
        {
            if (!protocol.Route(k, out var keyTarget, out var keyServer))
            {
                RecycleUnsent(root);
                return SplitOutcome.NoServer;
            }
            plan.Add(keyTarget, keyServer);
        }
        Debug.Assert(plan.FragmentCount > 0, "a split request has keys");
        if (plan.FragmentCount == 1)
        {
            server = plan.ServerOf(0);
            plan.Reset();
            return SplitOutcome.OneTarget;
        }
        var fragments = plan.FragmentCount;
        SendFragments(root, ref protocol);
        _pool.Stats.FragmentsCreated(_worker.Index, fragments);
        return SplitOutcome.Split;
    }

    /// <summary>
    /// A command for every server (flush_all, verbosity, the binary FLUSH): one fragment per
    /// server, even when there is one, so its reply goes through the merge.
    /// </summary>
    protected void SplitToEveryServer<TProtocol>(TRequest root, int servers, ref TProtocol protocol)
        where TProtocol : ISplitProtocol<TRequest>, allows ref struct
    {
        var plan = root.Plan;
        Debug.Assert(plan.KeyCount == 0 && root.Fragments.Count == 0, "a request is split once");
        for (var i = 0; i < servers; i++)
        {
            plan.Add(target: i, server: i);
        }
        SendFragments(root, ref protocol);
    }

    /// <summary>
    /// Queues <paramref name="root"/> and sends one fragment per target of its plan. The root
    /// counts fragments + 1 (<see cref="ClientRequest{TRequest}.BeginFragments"/>), so it cannot
    /// finish while fragments are still being sent, even if one fails at once.
    /// </summary>
    private void SendFragments<TProtocol>(TRequest root, ref TProtocol protocol)
        where TProtocol : ISplitProtocol<TRequest>, allows ref struct
    {
        var plan = root.Plan;
        var count = plan.FragmentCount;
        for (var f = 0; f < count; f++)
        {
            var fragment = RentRequest();
            fragment.Root = root;
            protocol.InitFragment(root, fragment);
            root.Fragments.Add(fragment);
        }
        root.BeginFragments(count);
        Enqueue(root);
        for (var f = 0; f < count; f++)
        {
            var fragment = root.Fragments[f];
            SendFragment(protocol.ConnectionFor(fragment, plan.ServerOf(f)), ref protocol, root, f);
        }
        root.FragmentsSent();
    }

    /// <summary>The only place a fragment is queued on a server connection: its bytes are written only if the connection accepts it.</summary>
    private void SendFragment<TProtocol>(ServerConnection connection, ref TProtocol protocol, TRequest root, int fragment)
        where TProtocol : ISplitProtocol<TRequest>, allows ref struct
        => ForwardTo(connection, root.Fragments[fragment], new FragmentWriter<TProtocol>(protocol, root, fragment));

    /// <summary>One fragment's bytes for <see cref="ServerConnection.Enqueue{TWriter}"/>: the protocol's <see cref="ISplitProtocol{TRequest}.WriteFragment"/>.</summary>
    private readonly ref struct FragmentWriter<TProtocol>(TProtocol protocol, TRequest root, int fragment) : IRequestWriter<FragmentWriter<TProtocol>>
        where TProtocol : ISplitProtocol<TRequest>, allows ref struct
    {
        private readonly TProtocol _protocol = protocol;
        private readonly TRequest _root = root;
        private readonly int _fragment = fragment;

        public static void Write(ByteBuffer output, scoped in FragmentWriter<TProtocol> writer)
            => writer._protocol.WriteFragment(output, writer._root, writer._fragment);
    }

    /// <summary>
    /// A split request's one reply: a failed fragment (no server answered) answers the whole
    /// command, then the first fragment reply that cannot be merged does; otherwise the merge.
    /// False when the client is to see nothing.
    /// </summary>
    protected static bool WriteMerged<TProtocol>(ByteBuffer output, TRequest root)
        where TProtocol : ISplitProtocol<TRequest>, allows ref struct
    {
        if (root.FirstFragmentError() is { } error)
        {
            TProtocol.WriteFailure(output, root, error);
            return true;
        }
        foreach (var fragment in root.Fragments)
        {
            var reply = fragment.Reply.Span;
            if (!TProtocol.IsMergeable(root, reply))
            {
                TProtocol.WriteUnmergeable(output, root, reply);
                return true;
            }
        }
        return TProtocol.Merge(output, root);
    }
}
