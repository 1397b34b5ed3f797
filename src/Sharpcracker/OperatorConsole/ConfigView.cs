using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Sharpcracker.Configuration;
using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// /config: the configuration the proxy serves now (after reloads) as a twemproxy YAML file,
/// every key with its effective value (defaults included). Built field by field from the parsed
/// records, never from the file's text, so nothing the proxy does not know about can leak:
/// <c>redis_auth</c> is replaced by <see cref="Redacted"/>, credentials in URLs are masked, and a
/// vBucket map is summarised (its file's contents are not shown).
/// </summary>
internal static partial class ConfigView
{
    public const string Redacted = "<redacted>";

    public static string Render(ProxyConfig config)
    {
        var sb = new StringBuilder();
        sb.Append("# effective configuration of sharpcracker (").Append(MaskUrlCredentials(config.FilePath))
          .Append("); secrets redacted\n");
        foreach (var p in config.Pools.Concat(config.RoutePools))
        {
            sb.Append(Scalar(p.Name)).Append(":\n");
            if (p.ServesRoutesOnly)
            {
                sb.Append("  # no listen: serves the listeners' routes only\n");
            }
            else
            {
                Line(sb, "listen", Scalar(p.Listen.Text));
            }
            // A listener that routes has no server-side keys: they belong to the pools its route names.
            var own = p.Route is null;
            void Server(string key, string value)
            {
                if (own)
                {
                    Line(sb, key, value);
                }
            }
            if (p.Distribution != DistributionKind.RedisCluster)
            {
                Server("hash", KeyHasher.Name(p.Hash)); // a cluster pool has no hash (Redis's CRC16 slots)
            }
            if (p.HashTag is { } tag)
            {
                Server("hash_tag", Quoted(tag));
            }
            Server("distribution", DistributionKinds.Name(p.Distribution));
            if (p.TimeoutMs is { } timeout)
            {
                Line(sb, "timeout", Number(timeout));
            }
            Line(sb, "backlog", Number(p.Backlog));
            Line(sb, "client_connections", Number(p.ClientConnections));
            Line(sb, "redis", Bool(p.Redis));
            if (p.RedisAuth is not null)
            {
                Server("redis_auth", Quoted(Redacted));
            }
            Server("redis_db", Number(p.RedisDb));
            Line(sb, "tcpkeepalive", Bool(p.TcpKeepAlive));
            Line(sb, "reuseport", Bool(p.ReusePort));
            Server("preconnect", Bool(p.Preconnect));
            Server("auto_eject_hosts", Bool(p.AutoEjectHosts));
            Server("server_connections", Number(p.ServerConnections));
            Server("server_retry_timeout", Number(p.ServerRetryTimeoutMs));
            Server("server_failure_limit", Number(p.ServerFailureLimit));
            Line(sb, "request_size_limit", Number(p.RequestSizeLimit));
            Line(sb, "client_output_limit", Number(p.ClientOutputLimit));
            Server("server_inflight_limit", Number(p.ServerInflightLimit));
            if (p.Redis)
            {
                Server("dedicated_connections", Number(p.DedicatedConnections));
            }
            if (p.Sentinels is not null || p.Distribution == DistributionKind.RedisCluster || p.VBucketStream)
            {
                Server("discovery_timeout", Number(p.DiscoveryTimeoutMs)); // only where servers are discovered
            }
            if (p.HealthCheckIntervalMs is { } healthCheck)
            {
                Server("health_check_interval", Number(healthCheck));
            }
            if (!p.Redis)
            {
                Line(sb, "memcache_protocol", p.MemcacheProtocol.ToString().ToLowerInvariant());
            }
            if (p.AuthFile is { } authFile)
            {
                Line(sb, "auth_file", Scalar(authFile.Path)); // the path; the file's passwords are never shown
            }
            if (p.ReadPolicy is { } policy)
            {
                Server("read_policy", ReplicationNames.Name(policy));
            }
            if (p.Sentinels is { } sentinels && own)
            {
                sb.Append("  sentinels:\n");
                foreach (var sentinel in sentinels)
                {
                    sb.Append("    - ").Append(Scalar(sentinel.Text)).Append('\n');
                }
            }
            if (p.SentinelAuth is not null)
            {
                Server("sentinel_auth", Quoted(Redacted));
            }
            AppendTls(sb, p);
            if (p.VBuckets is { } map && own)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  # vbucket map: {map.VBucketCount} vBuckets over {map.ServerCount} servers (not shown)\n");
            }
            if (p.Route is { } route)
            {
                AppendRoute(sb, "  ", "route", route); // a listener that routes has no servers of its own
                continue;
            }
            sb.Append("  servers:\n");
            foreach (var s in p.Servers)
            {
                sb.Append("    - ").Append(Scalar(s.Text)).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>A route node as the loader reads it (docs/routes.md), every setting with its effective value.</summary>
    private static void AppendRoute(StringBuilder sb, string indent, string key, Configuration.Routes.RouteConfig route)
    {
        if (route is Configuration.Routes.PoolRouteConfig pool)
        {
            sb.Append(indent).Append(key).Append(": ").Append(Scalar(pool.Pool)).Append('\n');
            return;
        }
        sb.Append(indent).Append(key).Append(":\n");
        var inner = indent + "  ";
        string List(IEnumerable<string> names) => "[" + string.Join(", ", names.Select(Quoted)) + "]";
        switch (route)
        {
            case Configuration.Routes.PrefixRouteConfig p:
                sb.Append(inner).Append("prefix:\n");
                foreach (var (prefix, child) in p.Prefixes)
                {
                    AppendRoute(sb, inner + "  ", Quoted(prefix), child);
                }
                if (p.Default is { } fallback)
                {
                    AppendRoute(sb, inner, "default", fallback);
                }
                break;
            case Configuration.Routes.OperationRouteConfig o:
                sb.Append(inner).Append("operation:\n");
                foreach (var (name, child) in new[] { ("gets", o.Gets), ("updates", o.Updates), ("deletes", o.Deletes) })
                {
                    if (child is not null)
                    {
                        AppendRoute(sb, inner + "  ", name, child);
                    }
                }
                if (o.Default is { } other)
                {
                    AppendRoute(sb, inner, "default", other);
                }
                break;
            case Configuration.Routes.FailoverRouteConfig f:
                sb.Append(inner).Append("failover: ").Append(List(f.Children)).Append('\n');
                sb.Append(inner).Append("failover_ttl: ").Append(Number(f.FailoverTtl)).Append('\n');
                sb.Append(inner).Append("failover_errors: ").Append(List(new[]
                {
                    (Configuration.Routes.FailoverErrors.Connect, "connect"), (Configuration.Routes.FailoverErrors.Timeout, "timeout"),
                    (Configuration.Routes.FailoverErrors.Ejected, "ejected"), (Configuration.Routes.FailoverErrors.ServerError, "server_error"),
                }.Where(e => (f.Errors & e.Item1) != 0).Select(e => e.Item2))).Append('\n');
                break;
            case Configuration.Routes.ReplicatedRouteConfig r:
                sb.Append(inner).Append("replicated: ").Append(List(r.Replicas)).Append('\n');
                sb.Append(inner).Append("write_policy: ").Append(r.WritePolicy.ToString().ToLowerInvariant()).Append('\n');
                sb.Append(inner).Append("read_from: ").Append(r.ReadFrom.ToString().ToLowerInvariant()).Append('\n');
                sb.Append(inner).Append("read_failover_on_miss: ").Append(Bool(r.ReadFailoverOnMiss)).Append('\n');
                break;
            case Configuration.Routes.ShadowRouteConfig s:
                sb.Append(inner).Append("shadow: ").Append(Scalar(s.Shadow)).Append('\n');
                sb.Append(inner).Append("shadow_fraction: ").Append(s.Fraction.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                AppendRoute(sb, inner, "primary", s.Primary);
                break;
            case Configuration.Routes.WarmUpRouteConfig w:
                sb.Append(inner).Append("warm_up:\n");
                sb.Append(inner).Append("  cold: ").Append(Scalar(w.Cold)).Append('\n');
                sb.Append(inner).Append("  warm: ").Append(Scalar(w.Warm)).Append('\n');
                sb.Append(inner).Append("fill_ttl: ").Append(Number(w.FillTtl)).Append('\n');
                break;
        }
    }

    /// <summary>The TLS keys of a pool that has TLS on either side (file paths as loaded, absolute).</summary>
    private static void AppendTls(StringBuilder sb, PoolConfig p)
    {
        if (p.Tls is { } tls)
        {
            Line(sb, "tls_cert_file", Scalar(tls.CertFile));
            Line(sb, "tls_key_file", Scalar(tls.KeyFile));
            if (tls.CaFile is { } ca)
            {
                Line(sb, "tls_ca_file", Scalar(ca));
            }
            Line(sb, "tls_verify_client", Bool(tls.VerifyClient));
        }
        if (p.ServerTls is { } server)
        {
            Line(sb, "server_tls", "true");
            if (server.CaFile is { } ca)
            {
                Line(sb, "server_tls_ca_file", Scalar(ca));
            }
            if (server.CertFile is { } cert)
            {
                Line(sb, "server_tls_cert_file", Scalar(cert));
                Line(sb, "server_tls_key_file", Scalar(server.KeyFile!));
            }
            Line(sb, "server_tls_verify", Bool(server.Verify));
        }
        if (p.Tls is not null || p.ServerTls is not null)
        {
            var protocols = (p.Tls?.Protocols ?? p.ServerTls!.Protocols) switch
            {
                System.Security.Authentication.SslProtocols.None => null,
                var set => string.Join(" ", new[] { (System.Security.Authentication.SslProtocols.Tls12, "TLSv1.2"), (System.Security.Authentication.SslProtocols.Tls13, "TLSv1.3") }
                    .Where(x => set.HasFlag(x.Item1)).Select(x => x.Item2)),
            };
            if (protocols is not null)
            {
                Line(sb, "tls_protocols", Scalar(protocols));
            }
            Line(sb, "tls_handshake_timeout", Number(p.TlsHandshakeTimeoutMs));
        }
    }

    private static void Line(StringBuilder sb, string key, string value) => sb.Append("  ").Append(key).Append(": ").Append(value).Append('\n');

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool b) => b ? "true" : "false";

    /// <summary>
    /// Plain when YAML's syntax leaves it alone (the loader reads every scalar as its text), else
    /// double-quoted (JSON's escapes are valid in YAML double quotes).
    /// </summary>
    private static string Scalar(string s)
        => PlainScalar().IsMatch(s) && !s.Contains(": ", StringComparison.Ordinal) && !s.Contains(" #", StringComparison.Ordinal)
            && !s.EndsWith(':') && !s.EndsWith(' ') ? s : Quoted(s);

    private static string Quoted(string s) => System.Text.Json.JsonSerializer.Serialize(s, JsonText.Options);

    /// <summary>http://user:password@host/… → http://&lt;redacted&gt;@host/… (a moxi stream URL may carry a password).</summary>
    internal static string MaskUrlCredentials(string text) => UrlCredentials().Replace(text, "://" + Redacted + "@");

    [GeneratedRegex(@"^[A-Za-z0-9_./][A-Za-z0-9_.:/\-\[\] ]*$")]
    private static partial Regex PlainScalar();

    [GeneratedRegex(@"://[^/@\s]+@")]
    private static partial Regex UrlCredentials();
}
