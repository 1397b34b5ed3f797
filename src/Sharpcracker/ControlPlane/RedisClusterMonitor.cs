using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Routing;
using Sharpcracker.Stats;

namespace Sharpcracker.ControlPlane;

/// <summary>
/// Keeps a redis_cluster pool's slot map current: <c>CLUSTER SLOTS</c> from one node (the known
/// masters first, then the seeds and other known nodes) at start, every <see cref="PeriodMs"/>,
/// every <see cref="FastPeriodMs"/> while no map is loaded or a master's connections fail (a
/// failover in progress), and soon after a MOVED or a connection failure asks for it — at most
/// once per <see cref="MinIntervalMs"/>, however many ask. Runs on the thread pool on its own
/// sockets, like the health probes; it publishes maps through <see cref="ServerPool.ApplyClusterMap"/>.
/// </summary>
internal sealed class RedisClusterMonitor
{
    /// <summary>Refresh period while the cluster looks healthy.</summary>
    public const int PeriodMs = 5000;
    /// <summary>Refresh period while no map is loaded or a master is failing.</summary>
    public const int FastPeriodMs = 250;
    /// <summary>The shortest time between two refreshes (the rate limit for MOVED-triggered ones).</summary>
    public const int MinIntervalMs = 100;
    /// <summary>Connect plus answer, per node asked.</summary>
    public const int QueryTimeoutMs = 1000;
    private readonly ServerPool _pool;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private bool _loaded;
    private bool _failing;

    public RedisClusterMonitor(ServerPool pool, ILogger logger)
    {
        _pool = pool;
        _logger = logger;
        pool.Stats.Cluster = Stats;
    }

    public ClusterStats Stats { get; } = new();

    public void Start(CancellationToken stopping) => _ = Task.Run(() => RunAsync(stopping), CancellationToken.None);

    /// <summary>Any thread (a worker on MOVED or a failed connection): refresh soon, within the rate limit.</summary>
    public void RequestRefresh()
    {
        if (_wake.CurrentCount > 0)
        {
            return;
        }
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another thread asked at the same moment: one refresh serves both.
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested && _pool.Config.Distribution == DistributionKind.RedisCluster)
            {
                bool ok;
                try
                {
                    ok = await RefreshAsync(stopping).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A bug in one refresh must not end the refreshing: log it and try again soon.
                    _logger.ClusterMapRefreshFailed(e, _pool.Name);
                    ok = false;
                }
                await Task.Delay(MinIntervalMs, stopping).ConfigureAwait(false);
                var period = ok && !MasterFailing() ? PeriodMs : FastPeriodMs;
                await _wake.WaitAsync(period - MinIntervalMs, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Pool shut down.
        }
    }

    /// <summary>A master of the current map has failing connections (it may be failing over).</summary>
    private bool MasterFailing()
    {
        var topology = _pool.Topology;
        if (topology.ClusterMap is not { } map)
        {
            return false;
        }
        foreach (var node in map.Nodes)
        {
            if (topology.ServerAt(node) is { Health.Failures: > 0 })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One refresh: the first node that answers CLUSTER SLOTS with a map gives it. False when none did.</summary>
    public async Task<bool> RefreshAsync(CancellationToken stopping)
    {
        var topology = _pool.Topology;
        var config = topology.Config;
        string? lastError = null;
        foreach (var server in Candidates(topology))
        {
            var (ranges, error) = await QueryAsync(server.Config, config, stopping).ConfigureAwait(false);
            if (ranges is null)
            {
                lastError = $"{server.Config.EndpointText}: {error}";
                continue;
            }
            Stats.Refreshed();
            var map = RedisClusterSlotMap.FromRanges(ranges);
            if (_pool.ApplyClusterMap(map))
            {
                Stats.MapChanged();
                _logger.ClusterSlotMapLoaded(_pool.Name, server.Config.EndpointText, map.Ranges().Count(), map.Nodes.Count, map.AssignedSlots);
            }
            _pool.Discovery.MarkKnown(); // the first map is published: a pool waiting at start-up may accept now
            if (!_loaded || _failing)
            {
                _loaded = true;
                _failing = false;
            }
            _pool.ForgetDepartedNodes(Environment.TickCount64, (long)_pool.Timings.ClusterDepartedNodeGrace.TotalMilliseconds);
            return true;
        }
        Stats.RefreshFailed();
        _pool.Discovery.StillMissing($"no node answered CLUSTER SLOTS (last: {lastError ?? "no node to ask"})");
        if (!_failing)
        {
            _failing = true;
            _logger.ClusterSlotsUnanswered(_pool.Name, lastError ?? "no nodes", FastPeriodMs);
        }
        return false;
    }

    /// <summary>Known masters without failures first, then the other servers (seeds, replicas seen before), failing ones last.</summary>
    private static IEnumerable<PoolServer> Candidates(PoolTopology topology)
    {
        var masters = topology.ClusterMap?.Nodes ?? [];
        return topology.Servers
            .OrderBy(s => s.Health.Failures > 0)
            .ThenBy(s => !masters.Contains(s.Config.EndpointText))
            .ToList();
    }

    /// <summary>CLUSTER SLOTS from one node (after AUTH when the pool has redis_auth): its master ranges, or why not.</summary>
    internal static async Task<(List<ClusterSlotRange>? Ranges, string? Error)> QueryAsync(ServerConfig node, PoolConfig pool, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(QueryTimeoutMs);
        var timeout = TimeSpan.FromMilliseconds(QueryTimeoutMs);
        try
        {
            // Over TLS when the pool has server_tls (the data path's checks): a TLS cluster then
            // reports its nodes' TLS ports (tls-cluster yes), which the workers connect to with TLS too.
            using var client = await RespClient.ConnectAsync(node, pool, timeout, deadline.Token).ConfigureAwait(false);
            string[][] commands = pool.RedisAuth is { } password ? [["AUTH", password], ["CLUSTER", "SLOTS"]] : [["CLUSTER", "SLOTS"]];
            var replies = await client.CallManyAsync(timeout, deadline.Token, commands).ConfigureAwait(false);
            if (replies.Length > 1 && replies[0] is RespErrorReply authError)
            {
                return (null, "AUTH refused: " + authError.Message);
            }
            var reply = replies[^1];
            return reply is RespErrorReply e ? (null, e.Message) : ParseSlots(reply, node.Host ?? "");
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            return (null, "TLS handshake failed: " + e.Message);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException or FormatException or OverflowException)
        {
            if (stopping.IsCancellationRequested)
            {
                throw new OperationCanceledException(stopping);
            }
            return (null, e is FormatException or OverflowException ? "malformed reply" : ServerEndpoint.Describe(e));
        }
    }

    /// <summary>
    /// CLUSTER SLOTS: one entry per contiguous range, <c>[first, last, [ip, port, id, …], replica…]</c>,
    /// each replica shaped like the master. An empty ip (or "?") means "the address you reached me
    /// on". A replica entry of another shape is skipped (reads then avoid it); a bad master entry
    /// makes the whole reply unusable. No slot served: not a usable map.
    /// </summary>
    internal static (List<ClusterSlotRange>? Ranges, string? Error) ParseSlots(object? reply, string askedHost)
    {
        if (reply is not object?[] entries)
        {
            return (null, "CLUSTER SLOTS: not an array");
        }
        var ranges = new List<ClusterSlotRange>();
        foreach (var entry in entries)
        {
            if (entry is not object?[] { Length: >= 3 } e || e[0] is not long first || e[1] is not long last
                || NodeEndpoint(e[2], askedHost, unknownIsAsked: true) is not { } master)
            {
                return (null, "CLUSTER SLOTS: unexpected entry");
            }
            if (first < 0 || last >= RedisClusterSlotMap.SlotCount || first > last)
            {
                return (null, $"CLUSTER SLOTS: bad range {first}-{last}");
            }
            var replicas = new List<string>(e.Length - 3);
            for (var i = 3; i < e.Length; i++)
            {
                if (NodeEndpoint(e[i], askedHost, unknownIsAsked: false) is { } replica)
                {
                    replicas.Add(replica);
                }
            }
            ranges.Add(new ClusterSlotRange((int)first, (int)last, master, replicas));
        }
        return ranges.Count == 0 ? (null, "the node serves no slot (cluster not created yet?)") : (ranges, null);
    }

    /// <summary>
    /// A node entry of CLUSTER SLOTS, <c>[ip, port, id, …]</c>, as "host:port"; null when it is
    /// not one. An empty ip is the asked node's address; "?" (endpoint unknown) is taken as that
    /// too for a master (the asked node then answers MOVED for it if wrong), and skips a replica.
    /// </summary>
    private static string? NodeEndpoint(object? node, string askedHost, bool unknownIsAsked)
    {
        if (node is not object?[] { Length: >= 2 } n || n[0] is not string ip || n[1] is not long port || port is <= 0 or > 65535
            || (ip == "?" && !unknownIsAsked))
        {
            return null;
        }
        var host = ip.Length == 0 || ip == "?" ? askedHost : ip;
        return host + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
