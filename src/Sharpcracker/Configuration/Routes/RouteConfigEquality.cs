using System.Globalization;
using System.Text;

namespace Sharpcracker.Configuration.Routes;

/// <summary>
/// Whether two route configs mean the same (a reload reports "route changed" only when one
/// differs), through one canonical text of each: records holding lists do not compare by content.
/// </summary>
internal static class RouteConfigEquality
{
    public static bool Same(RouteConfig a, RouteConfig b) => string.Equals(Canonical(a), Canonical(b), StringComparison.Ordinal);

    /// <summary>A one-line text of the tree, settings included, in a fixed order (e.g. <c>failover[cache,gutter] ttl=60 errors=All</c>).</summary>
    public static string Canonical(RouteConfig config)
    {
        var sb = new StringBuilder();
        Append(sb, config);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, RouteConfig config)
    {
        switch (config)
        {
            case PoolRouteConfig p:
                sb.Append(p.Pool);
                break;
            case PrefixRouteConfig p:
                sb.Append("prefix{");
                foreach (var (prefix, route) in p.Prefixes.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    sb.Append('"').Append(prefix).Append("\":");
                    Append(sb, route);
                    sb.Append(',');
                }
                sb.Append("default:");
                if (p.Default is { } d)
                {
                    Append(sb, d);
                }
                sb.Append('}');
                break;
            case OperationRouteConfig o:
                sb.Append("operation{");
                foreach (var (label, route) in new[] { ("gets", o.Gets), ("updates", o.Updates), ("deletes", o.Deletes), ("default", o.Default) })
                {
                    sb.Append(label).Append(':');
                    if (route is not null)
                    {
                        Append(sb, route);
                    }
                    sb.Append(',');
                }
                sb.Append('}');
                break;
            case FailoverRouteConfig f:
                sb.Append("failover[").AppendJoin(',', f.Children).Append("] failover_ttl=").Append(f.FailoverTtl)
                    .Append(" failover_errors=").Append(f.Errors);
                break;
            case ReplicatedRouteConfig r:
                sb.Append("replicated[").AppendJoin(',', r.Replicas).Append("] write_policy=").Append(r.WritePolicy)
                    .Append(" read_from=").Append(r.ReadFrom).Append(" read_failover_on_miss=").Append(r.ReadFailoverOnMiss);
                break;
            case ShadowRouteConfig s:
                sb.Append("shadow{primary:");
                Append(sb, s.Primary);
                sb.Append(",shadow:").Append(s.Shadow).Append(",fraction:").Append(s.Fraction.ToString(CultureInfo.InvariantCulture)).Append('}');
                break;
            case WarmUpRouteConfig w:
                sb.Append("warm_up{cold:").Append(w.Cold).Append(",warm:").Append(w.Warm).Append("} fill_ttl=").Append(w.FillTtl);
                break;
        }
    }
}
