using System.Text.Json;
using Sharpcracker.Configuration.Routes;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// A listener's route tree in /api/status: each node's kind, path (its name in stats and
/// /metrics), pools and settings; <c>counters</c> for a node that counts (<see cref="RouteStats"/>)
/// and <c>totals</c> (the counters summed at and below it) for every node that takes traffic.
/// </summary>
internal static class RouteTreeJson
{
    public static void Write(Utf8JsonWriter w, RouteTree tree)
    {
        var counting = new HashSet<RouteNode>(RouteStats.CountingNodes(tree), ReferenceEqualityComparer.Instance);
        w.WriteStartObject("route");
        w.WriteString("canonical", RouteConfigEquality.Canonical(tree.Config));
        w.WritePropertyName("root");
        WriteNode(w, "", tree.Root, counting, shown: false);
        w.WriteEndObject();
    }

    /// <param name="shown">A pool listed by a terminal or shadow node: counted by that node, not by itself.</param>
    private static void WriteNode(Utf8JsonWriter w, string label, RouteNode node, HashSet<RouteNode> counting, bool shown)
    {
        w.WriteStartObject();
        w.WriteString("label", label);
        w.WriteString("kind", node.Kind);
        w.WriteString("path", node.Path);
        switch (node)
        {
            case PoolRoute p:
                w.WriteString("pool", p.Pool.Name);
                break;
            case FailoverRoute f:
                w.WriteNumber("failover_ttl", f.FailoverTtl);
                RoutedAnswer.WriteErrors(w, f.Errors);
                break;
            case ReplicatedRoute r:
                w.WriteString("write_policy", r.WritePolicy.ToString().ToLowerInvariant());
                w.WriteString("read_from", r.ReadFrom.ToString().ToLowerInvariant());
                w.WriteBoolean("read_failover_on_miss", r.ReadFailoverOnMiss);
                break;
            case WarmUpRoute warm:
                w.WriteNumber("fill_ttl", warm.FillTtl);
                break;
            case ShadowRoute s:
                w.WriteString("shadow", s.Shadow.Name);
                w.WriteNumber("fraction", s.Fraction);
                break;
        }
        w.WriteBoolean("counted", counting.Contains(node));
        if (counting.Contains(node))
        {
            w.WriteStartObject("counters");
            foreach (var counter in RouteStats.Counted(node))
            {
                w.WriteNumber(RouteStats.Name(counter), node.Counters.Total(counter));
            }
            w.WriteEndObject();
        }
        if (!shown)
        {
            w.WriteStartObject("totals");
            foreach (var counter in RouteStats.All)
            {
                w.WriteNumber(RouteStats.Name(counter), RouteStats.Total(node, counter));
            }
            w.WriteEndObject();
        }
        w.WriteStartArray("children");
        foreach (var (childLabel, child) in node.Children)
        {
            WriteNode(w, childLabel, child, counting, shown: child is PoolRoute && !counting.Contains(child));
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
