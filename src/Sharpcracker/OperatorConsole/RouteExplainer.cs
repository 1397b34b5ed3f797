using Sharpcracker.Configuration.Routes;
using Sharpcracker.Pools;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// A key's whole decision through a listener's route tree, by the tree's own <see cref="RouteNode.Select"/>
/// (so the answer is the one the sessions act on), with each pool's server and health read now.
/// Which pool a request goes to first follows the session's rule (McClientSession.NextServer): in
/// order from the start (a replicated read by key starts at <see cref="ReplicatedRoute.FirstReplica"/>),
/// a pool without a server for the key is passed over, and where the route fails over on ejection
/// (replicated always; failover with <c>ejected</c> in failover_errors) so is a pool whose server is
/// ejected or probing — unless it is the last one left.
/// </summary>
internal static class RouteExplainer
{
    private static readonly RouteOperation[] s_operations = [RouteOperation.Get, RouteOperation.Update, RouteOperation.Delete, RouteOperation.Other];

    /// <param name="operation">One operation class; null: every class when the tree tells them apart, else one decision for all.</param>
    /// <param name="offline">From the configuration alone (<c>--route</c>): every server in service.</param>
    public static RoutedAnswer Explain(ServerPool listener, RouteTree tree, byte[] key, RouteOperation? operation, bool offline)
    {
        var byOperation = tree.Nodes().Any(n => n is OperationRoute);
        var decisions = operation is { } one ? [Decide(tree, key, one, one)]
            : byOperation ? s_operations.Select(op => Decide(tree, key, op, op)).ToList()
            : [Decide(tree, key, RouteOperation.Get, null)];
        return new RoutedAnswer(listener.Config, key, offline, decisions);
    }

    private static RouteDecision Decide(RouteTree tree, byte[] key, RouteOperation operation, RouteOperation? shown)
    {
        ShadowRoute? copying = null;
        var terminal = tree.Root.Select(key, operation, ref copying);
        var steps = PathTo(tree.Root, terminal) ?? [("", terminal)];
        var now = Environment.TickCount64;
        var shadows = new List<RouteShadowCopy>();
        foreach (var (_, node) in steps)
        {
            if (node is ShadowRoute shadow)
            {
                ShadowRoute? mine = null;
                shadow.Select(key, operation, ref mine);
                shadows.Add(new RouteShadowCopy(shadow, ReferenceEquals(mine, shadow), ReferenceEquals(copying, shadow),
                    Choice("shadow", shadow.Shadow, key, now, RouteUse.Every)));
            }
        }
        var (choices, readStart) = Choices(terminal, key, shown, now);
        return new RouteDecision(shown, steps, terminal, choices, shadows, readStart);
    }

    /// <summary>The nodes from <paramref name="root"/> to <paramref name="target"/> with the label of each edge; null when it is not below root.</summary>
    private static List<(string Label, RouteNode Node)>? PathTo(RouteNode root, RouteNode target)
    {
        if (ReferenceEquals(root, target))
        {
            return [("", root)];
        }
        foreach (var (label, child) in root.Children)
        {
            if (PathTo(child, target) is { } below)
            {
                below[0] = (label, below[0].Node);
                below.Insert(0, ("", root));
                return below;
            }
        }
        return null;
    }

    private static (List<RoutePoolChoice> Choices, int? ReadStart) Choices(RouteNode terminal, byte[] key, RouteOperation? operation, long now)
    {
        switch (terminal)
        {
            case PoolRoute pool:
                {
                    var choice = Choice("pool", pool.Pool, key, now, RouteUse.Now);
                    return ([choice.Server is null ? choice with { Use = RouteUse.NoServer } : choice], null);
                }
            case ReplicatedRoute replicated when operation is RouteOperation.Update or RouteOperation.Delete:
                return ([.. replicated.Pools.Select(p => Choice("replica", p, key, now, RouteUse.Every))], null);
            case ReplicatedRoute { ReadFrom: ReplicaReadFrom.Client } replicated:
                return ([.. replicated.Pools.Select(p => Choice("replica", p, key, now, RouteUse.ByClient))], null);
            case ReplicatedRoute replicated:
                {
                    var start = replicated.FirstReplica(key, 0);
                    var order = Enumerable.Range(0, replicated.Pools.Length).Select(i => replicated.Pools[(start + i) % replicated.Pools.Length]);
                    return (InOrder(order, _ => "replica", key, now, replicated.Pools.Length, skipEjected: true, write: false), start);
                }
            case FailoverRoute failover:
                return (InOrder(failover.Pools, i => i == 0 ? "normal" : "failover", key, now, failover.Pools.Length,
                    skipEjected: (failover.Errors & FailoverErrors.Ejected) != 0, write: operation is RouteOperation.Update or RouteOperation.Delete), null);
            case WarmUpRoute warm:
                {
                    // Gets try cold then warm; anything else goes to cold only (operation null: any, shown as a get).
                    var last = operation is null or RouteOperation.Get ? 2 : 1;
                    var choices = InOrder(warm.Pools, i => i == 0 ? "cold" : "warm", key, now, last, skipEjected: false, write: operation is RouteOperation.Update or RouteOperation.Delete);
                    if (last == 1)
                    {
                        choices.Add(Choice("warm", warm.Warm, key, now, RouteUse.Unused));
                    }
                    return (choices, null);
                }
            default:
                return ([], null); // none: no pool
        }
    }

    /// <summary>The session's order: the first pool with a server (and, with <paramref name="skipEjected"/>, one not ejected or probing unless it is the last) takes the request.</summary>
    /// <param name="write">An update or delete (a server held for missed writes takes writes while its hold drains).</param>
    private static List<RoutePoolChoice> InOrder(IEnumerable<ServerPool> pools, Func<int, string> role, byte[] key, long now, int last, bool skipEjected, bool write)
    {
        var choices = new List<RoutePoolChoice>();
        var taken = false;
        var i = 0;
        foreach (var pool in pools.Take(last))
        {
            var choice = Choice(role(i), pool, key, now, RouteUse.Next);
            if (!taken)
            {
                if (choice.Server is not { } server)
                {
                    choice = choice with { Use = RouteUse.NoServer };
                }
                // As the session decides (McClientSession.NextServer): a server held for missed writes
                // is skipped, except while its hold drains for a write or a key already cleaned.
                else if (i + 1 < last && server.MissedWrites is { } missed && !(missed.Draining && (write || !missed.IsPending(key))))
                {
                    choice = choice with { Use = RouteUse.Held };
                }
                else if (skipEjected && (server.Health.IsEjected || server.Health.IsProbing) && i + 1 < last)
                {
                    choice = choice with { Use = RouteUse.Skipped };
                }
                else
                {
                    choice = choice with { Use = RouteUse.Now };
                    taken = true;
                }
            }
            choices.Add(choice);
            i++;
        }
        return choices;
    }

    private static RoutePoolChoice Choice(string role, ServerPool pool, byte[] key, long now, RouteUse use)
    {
        var server = pool.Route(key);
        var placement = RouteLookup.Live(pool, key);
        var home = placement.HomeIndex >= 0 && placement.HomeIndex != (server?.Index ?? -1) ? pool.Config.Servers[placement.HomeIndex].Name : null;
        return new RoutePoolChoice(role, pool, server, server is null ? null : ServerStates.Of(server.Health, now), home, use);
    }
}
