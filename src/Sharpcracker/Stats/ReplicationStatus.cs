using Sharpcracker.Configuration;

namespace Sharpcracker.Stats;

/// <summary>
/// What the proxy knows about one server of a replication group: the role it reported to the
/// last ROLE check, whether its link to the master was up, whether Sentinel considers it usable,
/// and the reads and writes routed to it. Written by the replication monitor (thread pool) and,
/// for the counters, by each worker into its own slot; read by any thread.
/// </summary>
internal sealed class ReplicationStatus
{
    private volatile bool _reachable = true;
    private volatile bool _linked = true;
    private volatile bool _sentinelOk = true;
    private volatile string _role = "unknown";
    private volatile string _detail = "";

    /// <summary>Reads routed to this server.</summary>
    public PerWorkerCounter Reads { get; } = new();
    /// <summary>Writes (every non-read command) routed to this server.</summary>
    public PerWorkerCounter Writes { get; } = new();

    /// <summary>The group (Sentinel master name) the server was last seen in; null for the fork's single group.</summary>
    public string? Group { get; set; }

    /// <summary>"master", "slave", "unknown" (not checked yet) or "down" (the last check failed).</summary>
    public string Role => _role;
    /// <summary>The replica's link state as ROLE reported it ("connected", "sync", …), or the last error.</summary>
    public string Detail => _detail;
    /// <summary>Reachable at the last ROLE check and not flagged down by Sentinel.</summary>
    public bool Usable => _reachable && _sentinelOk;
    public bool Reachable => _reachable;
    /// <summary>A replica's link to its master was up at the last ROLE check (always true for a master).</summary>
    public bool Linked => _linked;

    /// <summary>The server answered ROLE.</summary>
    public void OnRole(string role, bool linked, string detail)
    {
        _role = role;
        _detail = detail;
        _linked = linked;
        _reachable = true;
    }

    /// <summary>The ROLE check failed (connect, timeout, error reply).</summary>
    public void OnUnreachable(string error)
    {
        _reachable = false;
        _role = "down";
        _detail = error;
    }

    /// <summary>Sentinel's view of a replica: false when flagged s_down, o_down or disconnected.</summary>
    public void OnSentinelView(bool ok) => _sentinelOk = ok;

    public void Count(int worker, bool read)
    {
        if (read)
        {
            Reads.Add(worker, 1);
        }
        else
        {
            Writes.Add(worker, 1);
        }
    }

    /// <summary>
    /// Whether auto_eject_hosts applies to this server: the fork never ejects the master of a
    /// <c>master</c> pool (writes have nowhere else to go).
    /// </summary>
    public static bool MayEject(PoolConfig pool, ServerConfig server)
        => !(pool.Replication == ReplicationMode.StaticMaster && server.Name == ReplicationNames.MasterServerName);
}
