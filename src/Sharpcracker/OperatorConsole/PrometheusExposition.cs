using System.Globalization;
using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Pools.Routes;
using Sharpcracker.Stats;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// Prometheus text exposition format 0.0.4: twemproxy's counters with pool / server labels,
/// request latency histograms per server and per pool (the pool's is the sum of its servers')
/// by command class, and process / runtime metrics. Rendered on request, off the hot path.
/// </summary>
internal static class PrometheusExposition
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <param name="view">The running proxy, for the metrics only the console knows (server states, readiness); null leaves them out.</param>
    public static string Render(IReadOnlyList<PoolStats> pools, OperatorConsole.IProxyView? view = null)
    {
        var sb = new StringBuilder(16 * 1024);
        var w = new Writer(sb);
        var totals = ConnectionTotals.Of(pools);

        w.Family("sharpcracker_info", "gauge", "Version of the running proxy.");
        w.Sample("sharpcracker_info", "version", ProcessFacts.Version, 1);
        w.Family("sharpcracker_uptime_seconds", "gauge", "Seconds since the proxy started.");
        w.Sample("sharpcracker_uptime_seconds", (long)(DateTime.UtcNow - ProcessFacts.StartTime).TotalSeconds);
        w.Family("sharpcracker_curr_connections", "gauge", "twemproxy curr_connections: listeners, client and server connections open now.");
        w.Sample("sharpcracker_curr_connections", totals.Current);
        w.Family("sharpcracker_connections_total", "counter", "twemproxy total_connections: listeners, client and server connections ever opened.");
        w.Sample("sharpcracker_connections_total", totals.Total);

        PoolFamily(w, pools, "sharpcracker_client_eof_total", "counter", "Client connections closed by the client.", p => p.ClientEofCount);
        PoolFamily(w, pools, "sharpcracker_client_err_total", "counter", "Client connections closed by an error.", p => p.ClientErrCount);
        PoolFamily(w, pools, "sharpcracker_client_connections", "gauge", "Open client connections.", p => p.ClientConnections);
        PoolFamily(w, pools, "sharpcracker_server_ejects_total", "counter", "Times a server of the pool was ejected.", p => p.ServerEjects);
        PoolFamily(w, pools, "sharpcracker_forward_error_total", "counter", "Requests answered with an error because they could not be forwarded or their server failed.", p => p.ForwardError);
        PoolFamily(w, pools, "sharpcracker_fragments_total", "counter", "Fragments created by splitting multi-key requests.", p => p.Fragments);
        // TLS handshakes (pools with tls_cert_file: clients; with server_tls: server connections).
        PoolFamily(w, pools, "sharpcracker_client_tls_handshakes_total", "counter", "TLS handshakes completed with clients.", p => p.ClientTls.Handshakes);
        PoolFamily(w, pools, "sharpcracker_client_tls_failures_total", "counter", "TLS handshakes with clients that failed (plaintext client, refused certificate, protocol error).", p => p.ClientTls.Failures);
        PoolFamily(w, pools, "sharpcracker_client_tls_timeouts_total", "counter", "TLS handshakes with clients that did not complete within tls_handshake_timeout.", p => p.ClientTls.Timeouts);
        PoolFamily(w, pools, "sharpcracker_server_tls_handshakes_total", "counter", "TLS handshakes completed with servers.", p => p.ServerTls.Handshakes);
        PoolFamily(w, pools, "sharpcracker_server_tls_failures_total", "counter", "TLS handshakes with servers that failed (untrusted or wrong-name certificate, protocol error).", p => p.ServerTls.Failures);
        PoolFamily(w, pools, "sharpcracker_server_tls_timeouts_total", "counter", "TLS handshakes with servers that did not complete within tls_handshake_timeout.", p => p.ServerTls.Timeouts);

        ClusterFamilies(w, pools);

        var samples = pools.Select(p => p.Servers.Select(s => (Server: s, Queues: s.SampleQueues())).ToArray()).ToArray();
        ServerFamily(w, pools, samples, "sharpcracker_server_eof_total", "counter", "Server connections closed by the server.", (s, _) => s.ServerEof);
        ServerFamily(w, pools, samples, "sharpcracker_server_err_total", "counter", "Errors on server connections.", (s, _) => s.ServerErr);
        ServerFamily(w, pools, samples, "sharpcracker_server_timedout_total", "counter", "Timeouts on server connections.", (s, _) => s.ServerTimedOut);
        ServerFamily(w, pools, samples, "sharpcracker_server_connections", "gauge", "Open server connections.", (_, q) => q.Connections);
        ServerFamily(w, pools, samples, "sharpcracker_server_dedicated_connections", "gauge", "Dedicated server connections open (blocking commands, transactions, subscriptions; Redis pools).", (s, _) => s.DedicatedConnections);
        ServerFamily(w, pools, samples, "sharpcracker_server_dedicated_connections_opened_total", "counter", "Dedicated server connections created.", (s, _) => s.DedicatedConnectionsOpened);
        ServerFamily(w, pools, samples, "sharpcracker_server_ejected_at_seconds", "gauge", "Unix time of the server's last ejection (0: never).", (s, _) => s.EjectedAtMicros / 1_000_000);
        ServerFamily(w, pools, samples, "sharpcracker_requests_total", "counter", "Requests forwarded to the server.", (s, _) => s.Requests);
        ServerFamily(w, pools, samples, "sharpcracker_request_bytes_total", "counter", "Request bytes forwarded to the server.", (s, _) => s.RequestBytes);
        ServerFamily(w, pools, samples, "sharpcracker_responses_total", "counter", "Responses received from the server.", (s, _) => s.Responses);
        ServerFamily(w, pools, samples, "sharpcracker_response_bytes_total", "counter", "Response bytes received from the server.", (s, _) => s.ResponseBytes);
        ServerFamily(w, pools, samples, "sharpcracker_in_queue", "gauge", "Requests queued for the server, not yet sent.", (_, q) => q.InQueue);
        ServerFamily(w, pools, samples, "sharpcracker_in_queue_bytes", "gauge", "Bytes of requests queued for the server, not yet sent.", (_, q) => q.InQueueBytes);
        ServerFamily(w, pools, samples, "sharpcracker_out_queue", "gauge", "Requests sent to the server, waiting for a reply.", (_, q) => q.OutQueue);
        ServerFamily(w, pools, samples, "sharpcracker_out_queue_bytes", "gauge", "Bytes of requests sent to the server, waiting for a reply.", (_, q) => q.OutQueueBytes);

        ReplicationFamilies(w, pools);

        const string serverHistogram = "sharpcracker_server_request_duration_seconds";
        w.Family(serverHistogram, "histogram", "Time from queueing a request for the server to its complete reply, by command class.");
        var counts = new long[LatencyHistogram.BucketCount];
        foreach (var pool in pools)
        {
            foreach (var server in pool.Servers)
            {
                for (var c = 0; c < CommandClasses.Count; c++)
                {
                    Array.Clear(counts);
                    var sum = server.AddLatencyTo(c, counts);
                    w.Histogram(serverHistogram, $"pool=\"{Escape(pool.Name)}\",server=\"{Escape(server.Name)}\",command=\"{CommandClasses.Names[c]}\"", counts, sum);
                }
            }
        }
        const string poolHistogram = "sharpcracker_request_duration_seconds";
        w.Family(poolHistogram, "histogram", "Time from queueing a request for a server to its complete reply, all servers of the pool, by command class.");
        foreach (var pool in pools)
        {
            for (var c = 0; c < CommandClasses.Count; c++)
            {
                Array.Clear(counts);
                long sum = 0;
                foreach (var server in pool.Servers)
                {
                    sum += server.AddLatencyTo(c, counts);
                }
                w.Histogram(poolHistogram, $"pool=\"{Escape(pool.Name)}\",command=\"{CommandClasses.Names[c]}\"", counts, sum);
            }
        }

        if (view is not null)
        {
            ConsoleMetrics(w, view);
        }
        WorkerMetrics(w, view?.WorkerLoads ?? []);
        ProcessMetrics(w);
        return sb.ToString();
    }

    /// <summary>Server states as a state set (one sample per state, 1 for the current one), readiness and reloads.</summary>
    private static void ConsoleMetrics(Writer w, OperatorConsole.IProxyView view)
    {
        var pools = view.Pools;
        var now = Environment.TickCount64;
        const string state = "sharpcracker_server_state";
        w.Family(state, "gauge", "1 for the server's current state (up, failing, backing_off, ejected, probing), 0 for the others.");
        foreach (var pool in pools)
        {
            foreach (var server in pool.Servers)
            {
                var current = OperatorConsole.ServerStates.Of(server.Health, now);
                foreach (var s in Enum.GetValues<OperatorConsole.ServerState>())
                {
                    var label = OperatorConsole.ServerStates.Name(s).Replace(' ', '_');
                    w.Labelled(state, $"pool=\"{Escape(pool.Name)}\",server=\"{Escape(server.Name)}\",state=\"{label}\"", s == current ? 1 : 0);
                }
            }
        }
        var readiness = OperatorConsole.Readiness.Passive(view);
        w.Family("sharpcracker_pool_ready", "gauge", "1 when the pool listens and has a server that is up (as /ready, without its probe).");
        foreach (var pool in readiness.Pools)
        {
            w.Sample("sharpcracker_pool_ready", "pool", pool.Pool, pool.Ready ? 1 : 0);
        }
        RouteFamilies(w, pools);
        w.Family("sharpcracker_config_reloads_total", "counter", "Configuration reloads applied.");
        w.Sample("sharpcracker_config_reloads_total", ConfigReloadCounters.Reloads);
        w.Family("sharpcracker_config_reload_failures_total", "counter", "Configuration reloads refused (the old configuration kept running).");
        w.Sample("sharpcracker_config_reload_failures_total", ConfigReloadCounters.Failures);
    }

    /// <summary>
    /// Listeners that route (docs/routes.md): one family per route counter, a sample per node that
    /// counts it, labelled by the listener pool, the node's path and its kind. Nothing without such a listener.
    /// </summary>
    private static void RouteFamilies(Writer w, IReadOnlyList<ServerPool> pools)
    {
        var trees = pools.Where(p => p.Routes is not null).Select(p => (p.Name, Tree: p.Routes!)).ToList();
        if (trees.Count == 0)
        {
            return;
        }
        foreach (var counter in RouteStats.All)
        {
            var name = $"sharpcracker_route_{RouteStats.Name(counter)}_total";
            w.Family(name, "counter", counter switch
            {
                RouteCounter.Requests => "Requests the route node sent (counted at the terminal: pool, failover, replicated, warm_up, none).",
                RouteCounter.Hits => "Retrievals the route node answered with a value.",
                RouteCounter.Misses => "Retrievals the route node answered without a value.",
                RouteCounter.Failovers => "Requests sent again to a later pool (failover), replica (replicated read) or to warm (warm-up).",
                RouteCounter.Errors => "Requests that reached the client as an error after every pool of the node was tried (none: keys no prefix takes).",
                RouteCounter.ShadowSent => "Copies a shadow node sent to its shadow pool.",
                RouteCounter.ShadowDropped => "Copies a shadow node dropped (its in-flight bound reached, or no shadow server).",
                _ => "Warm-up: warm hits added to cold.",
            });
            foreach (var (pool, tree) in trees)
            {
                foreach (var node in RouteStats.CountingNodes(tree))
                {
                    if (RouteStats.Counted(node).Contains(counter))
                    {
                        w.Labelled(name, $"pool=\"{Escape(pool)}\",node=\"{Escape(node.Path)}\",kind=\"{node.Kind}\"", node.Counters.Total(counter));
                    }
                }
            }
        }
    }

    /// <summary>The worker threads: how many, and each one's clients and forwarded requests.</summary>
    private static void WorkerMetrics(Writer w, IReadOnlyList<(int Worker, long Clients, long Requests)> workers)
    {
        if (workers.Count == 0)
        {
            return;
        }
        w.Family("sharpcracker_workers", "gauge", "Worker threads (event loops).");
        w.Sample("sharpcracker_workers", workers.Count);
        w.Family("sharpcracker_worker_clients", "gauge", "Client connections owned by each worker.");
        foreach (var (worker, clients, _) in workers)
        {
            w.Sample("sharpcracker_worker_clients", "worker", worker.ToString(CultureInfo.InvariantCulture), clients);
        }
        w.Family("sharpcracker_worker_requests_total", "counter", "Requests each worker forwarded to servers.");
        foreach (var (worker, _, requests) in workers)
        {
            w.Sample("sharpcracker_worker_requests_total", "worker", worker.ToString(CultureInfo.InvariantCulture), requests);
        }
    }

    private static void ProcessMetrics(Writer w)
    {
        var cpu = Environment.CpuUsage.TotalTime.TotalSeconds;
        w.Family("process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.");
        w.Sample("process_cpu_seconds_total", cpu);
        w.Family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        w.Sample("process_resident_memory_bytes", Environment.WorkingSet);
        w.Family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
        w.Sample("process_start_time_seconds", new DateTimeOffset(ProcessFacts.StartTime).ToUnixTimeSeconds());
        if (OpenFileDescriptors() is { } fds)
        {
            w.Family("process_open_fds", "gauge", "Number of open file descriptors.");
            w.Sample("process_open_fds", fds);
        }
        w.Family("dotnet_gc_allocated_bytes_total", "counter", "Bytes allocated on the managed heap.");
        w.Sample("dotnet_gc_allocated_bytes_total", GC.GetTotalAllocatedBytes(precise: false));
        w.Family("dotnet_gc_heap_bytes", "gauge", "Bytes in use on the managed heap.");
        w.Sample("dotnet_gc_heap_bytes", GC.GetTotalMemory(forceFullCollection: false));
        w.Family("dotnet_gc_collections_total", "counter", "Garbage collections by generation.");
        for (var g = 0; g <= GC.MaxGeneration; g++)
        {
            w.Sample("dotnet_gc_collections_total", "generation", g.ToString(CultureInfo.InvariantCulture), GC.CollectionCount(g));
        }
        w.Family("dotnet_threadpool_threads", "gauge", "Thread pool threads.");
        w.Sample("dotnet_threadpool_threads", ThreadPool.ThreadCount);
        w.Family("dotnet_threadpool_queue_length", "gauge", "Work items queued to the thread pool.");
        w.Sample("dotnet_threadpool_queue_length", ThreadPool.PendingWorkItemCount);
    }

    private static int? OpenFileDescriptors()
    {
        try
        {
            return Directory.Exists("/proc/self/fd") ? Directory.EnumerateFileSystemEntries("/proc/self/fd").Count() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Replication groups (docs/redis.md): failovers per pool; role, reads and writes per server. Only pools that have groups.</summary>
    private static void ReplicationFamilies(Writer w, IReadOnlyList<PoolStats> all)
    {
        var pools = all.Where(p => p.Replicated).ToList();
        if (pools.Count == 0)
        {
            return;
        }
        PoolFamily(w, pools, "sharpcracker_failovers_total", "counter", "Master switches followed in the pool's replication groups (Sentinel).", p => p.Failovers);
        string Labels(PoolStats pool, ServerStats server)
            => $"pool=\"{Escape(pool.Name)}\",server=\"{Escape(server.Name)}\",group=\"{Escape(server.Replication?.Group ?? "master")}\"";
        w.Family("sharpcracker_server_role", "gauge", "1 for the role the server reported to the last ROLE check (master, slave, down, unknown).");
        foreach (var pool in pools)
        {
            foreach (var server in pool.Servers)
            {
                w.Labelled("sharpcracker_server_role", Labels(pool, server) + $",role=\"{Escape(server.Replication?.Role ?? "unknown")}\"", 1);
            }
        }
        w.Family("sharpcracker_server_reads_total", "counter", "Reads routed to the server by its replication group.");
        foreach (var pool in pools)
        {
            foreach (var server in pool.Servers)
            {
                w.Labelled("sharpcracker_server_reads_total", Labels(pool, server), server.Replication?.Reads.Sum ?? 0);
            }
        }
        w.Family("sharpcracker_server_writes_total", "counter", "Writes (every non-read command) routed to the server by its replication group.");
        foreach (var pool in pools)
        {
            foreach (var server in pool.Servers)
            {
                w.Labelled("sharpcracker_server_writes_total", Labels(pool, server), server.Replication?.Writes.Sum ?? 0);
            }
        }
    }

    private static void PoolFamily(Writer w, IReadOnlyList<PoolStats> pools, string name, string type, string help, Func<PoolStats, long> value)
    {
        w.Family(name, type, help);
        foreach (var pool in pools)
        {
            w.Sample(name, "pool", pool.Name, value(pool));
        }
    }

    /// <summary>redis_cluster pools' refresh and redirect counters (sharpcracker_cluster_refreshes_total, …); nothing without such a pool.</summary>
    private static void ClusterFamilies(Writer w, IReadOnlyList<PoolStats> pools)
    {
        var clusters = pools.Where(p => p.Cluster is not null).ToList();
        if (clusters.Count == 0)
        {
            return;
        }
        var names = clusters[0].Cluster!.Counters().Select(c => c.Name).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            var name = "sharpcracker_" + names[i] + "_total";
            w.Family(name, "counter", $"redis_cluster pools: {names[i].Replace('_', ' ')} (docs/redis.md).");
            foreach (var pool in clusters)
            {
                w.Sample(name, "pool", pool.Name, pool.Cluster!.Counters().ElementAt(i).Value);
            }
        }
    }

    private static void ServerFamily(Writer w, IReadOnlyList<PoolStats> pools, (ServerStats Server, QueueSample Queues)[][] samples,
        string name, string type, string help, Func<ServerStats, QueueSample, long> value)
    {
        w.Family(name, type, help);
        for (var p = 0; p < pools.Count; p++)
        {
            foreach (var (server, queues) in samples[p])
            {
                w.Labelled(name, $"pool=\"{Escape(pools[p].Name)}\",server=\"{Escape(server.Name)}\"", value(server, queues));
            }
        }
    }

    /// <summary>A label value with backslash, double quote and line feed escaped, as the format requires.</summary>
    internal static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    internal static string FormatBound(double seconds) => seconds.ToString("0.#########", CultureInfo.InvariantCulture);

    private readonly struct Writer(StringBuilder sb)
    {
        public void Family(string name, string type, string help)
            => sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

        public void Sample(string name, long value) => sb.Append(name).Append(' ').Append(value).Append('\n');

        public void Sample(string name, double value) => sb.Append(name).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');

        public void Sample(string name, string label, string labelValue, long value)
            => Labelled(name, $"{label}=\"{Escape(labelValue)}\"", value);

        public void Labelled(string name, string labels, long value)
            => sb.Append(name).Append('{').Append(labels).Append("} ").Append(value).Append('\n');

        public void Histogram(string name, string labels, long[] counts, long sumTicks)
        {
            long cumulative = 0;
            for (var i = 0; i < counts.Length; i++)
            {
                cumulative += counts[i];
                var le = i < LatencyHistogram.BoundsSeconds.Length ? FormatBound(LatencyHistogram.BoundsSeconds[i]) : "+Inf";
                sb.Append(name).Append("_bucket{").Append(labels).Append(",le=\"").Append(le).Append("\"} ").Append(cumulative).Append('\n');
            }
            sb.Append(name).Append("_sum{").Append(labels).Append("} ")
                .Append(LatencyHistogram.TicksToSeconds(sumTicks).ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            sb.Append(name).Append("_count{").Append(labels).Append("} ").Append(cumulative).Append('\n');
        }
    }
}
