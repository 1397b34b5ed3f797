using System.Diagnostics;
using Sharpcracker.Proxy;

namespace Sharpcracker.Engine;

/// <summary>
/// The one split loop, for both protocols: route every key into the root request's
/// <see cref="SplitPlan"/>, make one fragment per target, send each with its keys, and later
/// merge their replies in the write loop. Where bytes differ, <see cref="ISplitProtocol{TRequest}"/> says.
/// </summary>
internal abstract partial class ClientSession<TRequest>
{
    /// <summary>
    /// Plans <paramref name="root"/>'s split and, when its keys span targets, sends the fragments
    /// (counted in the pool's fragments stat). On <see cref="SplitOutcome.NoServer"/> or
    /// <see cref="SplitOutcome.OneTarget"/> nothing was queued: the caller deals with the root.
    /// </summary>
    protected SplitOutcome Split<TProtocol>(TRequest root, ref TProtocol protocol)
        where TProtocol : ISplitProtocol<TRequest>, allows ref struct
    {
        var outcome = PlanSplit(root, ref protocol);
        if (outcome == SplitOutcome.Split)
        {
            var fragments = root.Plan.FragmentCount;
            SendFragments(root, ref protocol);
            _pool.Stats.FragmentsCreated(_worker.Index, fragments);
        }
        return outcome;
    }

    /// <summary>Routes every key of <paramref name="root"/> into its plan, grouping by target.</summary>
    protected SplitOutcome PlanSplit<TProtocol>(TRequest root, ref TProtocol protocol)
        where TProtocol : ISplitProtocol<TRequest>, allows ref struct
    {
        var plan = root.Plan;
        Debug.Assert(plan.KeyCount == 0 && root.Fragments.Count == 0, "a request is planned once");
        var keys = protocol.KeyCount;
        for (var k = 0; k < keys; k++)
        {
            if (!protocol.Route(k, out var target, out var server))
            {
                return SplitOutcome.NoServer;
            }
            plan.Add(target, server);
        }
        Debug.Assert(plan.FragmentCount > 0, "a split request has keys");
        return plan.FragmentCount > 1 ? SplitOutcome.Split : SplitOutcome.OneTarget;
    }

    /// <summary>
    /// Queues <paramref name="root"/> and sends one fragment per target of its plan. The root
    /// counts fragments + 1 (<see cref="ClientRequest{TRequest}.BeginFragments"/>), so it cannot
    /// finish while fragments are still being sent, even if one fails at once.
    /// </summary>
    protected void SendFragments<TProtocol>(TRequest root, ref TProtocol protocol)
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

    /// <summary>The only place a fragment's bytes are queued on a server connection.</summary>
    private void SendFragment<TProtocol>(ServerConnection connection, ref TProtocol protocol, TRequest root, int fragment)
        where TProtocol : ISplitProtocol<TRequest>, allows ref struct
    {
        protocol.WriteFragment(connection.BeginRequest(), root, fragment);
        Commit(connection, root.Fragments[fragment]);
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
