using System.Globalization;
using System.Text;
using System.Text.Json;
using Sharpcracker.Configuration;
using Sharpcracker.Configuration.Routes;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// A key's decision through a listener that routes (docs/routes.md, "Seeing routes"): per
/// operation class, the nodes taken, the terminal's pools in order with the key's server and its
/// state in each and the one a request goes to now, and the shadow copies. <see cref="Text"/> is
/// what <c>sharpcracker --route</c> prints and <c>/route?format=text</c> answers.
/// </summary>
/// <param name="Offline">From the configuration alone: every server in service.</param>
internal sealed record RoutedAnswer(PoolConfig Listener, byte[] Key, bool Offline, IReadOnlyList<RouteDecision> Decisions)
{
    public string Text()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"pool {Listener.Name} (memcached, listen {Listener.Listen.Text}): routes its keys to other pools\n");
        sb.Append(CultureInfo.InvariantCulture, $"key: {RouteAnswer.Show(Key)} ({Key.Length} bytes)\n");
        if (Offline)
        {
            sb.Append("offline: from the configuration, every server in service\n");
        }
        foreach (var d in Decisions)
        {
            sb.Append('\n');
            if (d.Operation is { } op)
            {
                sb.Append(CultureInfo.InvariantCulture, $"operation: {RouteDecision.OperationName(op)}\n");
            }
            sb.Append(CultureInfo.InvariantCulture, $"path: {d.PathText}\n");
            sb.Append(CultureInfo.InvariantCulture, $"node: {d.Terminal.Path} ({d.Terminal.Kind}; its counters in stats and /metrics)\n");
            AppendTerminal(sb, d);
            foreach (var s in d.Shadows)
            {
                sb.Append(CultureInfo.InvariantCulture, $"shadow {s.Node.Path} (shadow_fraction {s.Node.Fraction.ToString(CultureInfo.InvariantCulture)}): ");
                sb.Append(!s.InFraction
                    ? $"the key is not in its fraction: no copy to pool {s.Target.Pool.Name}\n"
                    : s.Copies
                        ? $"the key is in its fraction: a copy goes to pool {s.Target.Pool.Name}, {s.Target.ServerText}; its reply is discarded\n"
                        : $"the key is in its fraction, but an outer shadow copies it (one copy per request)\n");
            }
        }
        return sb.ToString();
    }

    private static void AppendTerminal(StringBuilder sb, RouteDecision d)
    {
        var all = d.Operation is null;
        switch (d.Terminal)
        {
            case NoRoute:
                sb.Append("no prefix matches and the prefix route has no default: the client gets SERVER_ERROR no route for key\n");
                return;
            case PoolRoute:
                sb.Append("pool:\n");
                break;
            case FailoverRoute f:
                sb.Append(CultureInfo.InvariantCulture, $"failover over {f.Pools.Length} pools in order: the next one is tried on {ErrorsText(f.Errors)}; a miss is an answer");
                sb.Append(f.FailoverTtl > 0 ? $"; an update sent to a later pool has its TTL capped at {f.FailoverTtl} s\n" : "\n");
                break;
            case ReplicatedRoute r:
                sb.Append(CultureInfo.InvariantCulture, $"replicated over {r.Pools.Length} replicas: ");
                if (all || d.Operation is RouteOperation.Update or RouteOperation.Delete)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"updates and deletes go to every replica; the client sees success when {PolicyText(r)}");
                    sb.Append(all ? ";\n  " : "\n");
                }
                if (all || d.Operation is RouteOperation.Get or RouteOperation.Other)
                {
                    sb.Append(d.ReadStart is { } start
                        ? $"a get starts at replica {start + 1} of {r.Pools.Length}, {r.Pools[start].Name} (crc32a of the key mod {r.Pools.Length}, read_from key)"
                        : "a get starts at the replica of the client connection (read_from client)");
                    sb.Append(r.ReadFailoverOnMiss ? " and goes to the next on an error or a miss\n" : " and goes to the next on an error\n");
                }
                break;
            case WarmUpRoute w:
                sb.Append(CultureInfo.InvariantCulture, $"warm_up: a get tries cold, then warm on a miss; a warm hit is added to cold (add, fill_ttl {w.FillTtl} s); everything else goes to cold only\n");
                break;
        }
        var i = 1;
        foreach (var c in d.Choices)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {i++}. {c.Pool.Name} ({c.Role}): {c.ServerText}");
            if (c.HomeServer is { } home)
            {
                sb.Append(CultureInfo.InvariantCulture, $" (with every server in service: {home})");
            }
            if (!(all && c.Use == RouteUse.Every && d.Terminal is ReplicatedRoute))
            {
                sb.Append("  ").Append(c.UseText);
            }
            sb.Append('\n');
        }
    }

    private static string ErrorsText(FailoverErrors errors) => ErrorNames(errors) is { Count: > 0 } names ? string.Join(", ", names) : "nothing";

    /// <summary>The errors a failover route fails over on, as failover_errors names them.</summary>
    internal static List<string> ErrorNames(FailoverErrors errors)
    {
        var names = new List<string>();
        foreach (var (flag, name) in new[] { (FailoverErrors.Connect, "connect"), (FailoverErrors.Timeout, "timeout"), (FailoverErrors.Ejected, "ejected"), (FailoverErrors.ServerError, "server_error") })
        {
            if ((errors & flag) != 0)
            {
                names.Add(name);
            }
        }
        return names;
    }

    internal static void WriteErrors(Utf8JsonWriter w, FailoverErrors errors)
    {
        w.WriteStartArray("failover_errors");
        foreach (var name in ErrorNames(errors))
        {
            w.WriteStringValue(name);
        }
        w.WriteEndArray();
    }

    private static string PolicyText(ReplicatedRoute r) => r.WritePolicy switch
    {
        ReplicaWritePolicy.All => $"all {r.Pools.Length} store it (write_policy all)",
        ReplicaWritePolicy.Majority => $"{r.Needed} of {r.Pools.Length} store it (write_policy majority)",
        _ => "the first replica stores it (write_policy first)",
    };

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("pool", Listener.Name);
        w.WriteString("key", RouteAnswer.IsPrintable(Key) ? Encoding.ASCII.GetString(Key) : null);
        w.WriteString("key_base64", Convert.ToBase64String(Key));
        w.WriteBoolean("routes", true);
        w.WriteBoolean("offline", Offline);
        w.WriteStartArray("decisions");
        foreach (var d in Decisions)
        {
            w.WriteStartObject();
            w.WriteString("operation", d.Operation is { } op ? RouteDecision.OperationName(op) : "any");
            w.WriteString("path", d.PathText);
            w.WriteStartArray("steps");
            foreach (var (label, node) in d.Steps)
            {
                w.WriteStartObject();
                w.WriteString("label", label);
                w.WriteString("kind", node.Kind);
                w.WriteString("node", node.Path);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("node", d.Terminal.Path);
            w.WriteString("kind", d.Terminal.Kind);
            switch (d.Terminal)
            {
                case FailoverRoute f:
                    WriteErrors(w, f.Errors);
                    w.WriteNumber("failover_ttl", f.FailoverTtl);
                    break;
                case ReplicatedRoute r:
                    w.WriteString("write_policy", r.WritePolicy.ToString().ToLowerInvariant());
                    w.WriteNumber("writes_need", r.Needed);
                    w.WriteString("read_from", r.ReadFrom.ToString().ToLowerInvariant());
                    w.WriteBoolean("read_failover_on_miss", r.ReadFailoverOnMiss);
                    if (d.ReadStart is { } start)
                    {
                        w.WriteNumber("read_starts_at", start);
                    }
                    break;
                case WarmUpRoute warm:
                    w.WriteNumber("fill_ttl", warm.FillTtl);
                    break;
            }
            w.WriteStartArray("pools");
            foreach (var c in d.Choices)
            {
                WriteChoice(w, c);
            }
            w.WriteEndArray();
            if (d.Now is { } now)
            {
                w.WriteString("now", now.Pool.Name);
            }
            else
            {
                w.WriteNull("now");
            }
            w.WriteStartArray("shadows");
            foreach (var s in d.Shadows)
            {
                w.WriteStartObject();
                w.WriteString("node", s.Node.Path);
                w.WriteNumber("fraction", s.Node.Fraction);
                w.WriteBoolean("in_fraction", s.InFraction);
                w.WriteBoolean("copies", s.Copies);
                w.WritePropertyName("target");
                WriteChoice(w, s.Target);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("explanation", Text());
        w.WriteEndObject();
    }

    private static void WriteChoice(Utf8JsonWriter w, RoutePoolChoice c)
    {
        w.WriteStartObject();
        w.WriteString("pool", c.Pool.Name);
        w.WriteString("role", c.Role);
        if (c.Server is { } server)
        {
            w.WriteStartObject("server");
            w.WriteString("name", server.Name);
            w.WriteString("address", server.Config.EndpointText);
            w.WriteNumber("index", server.Index);
            w.WriteEndObject();
            w.WriteString("state", ServerStates.Name(c.State!.Value));
        }
        else
        {
            w.WriteNull("server");
            w.WriteNull("state");
        }
        w.WriteString("server_all_in_service", c.HomeServer);
        w.WriteString("use", UseName(c.Use));
        w.WriteEndObject();
    }

    private static string UseName(RouteUse use) => use switch
    {
        RouteUse.Now => "now",
        RouteUse.Next => "next",
        RouteUse.Skipped => "skipped",
        RouteUse.Held => "held",
        RouteUse.NoServer => "no_server",
        RouteUse.Every => "every",
        RouteUse.Unused => "unused",
        _ => "by_client",
    };
}
