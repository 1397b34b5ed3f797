using Sharpcracker.Configuration;
using Sharpcracker.Engine;

namespace Sharpcracker.Pools;

/// <summary>
/// One shard made of a master and its replicas, as indices into one <see cref="PoolTopology"/>'s
/// server list (immutable: a master switch or a new replica publishes a new topology). Picks the
/// server for a request from the pool's read policy: writes always go to the master; reads go
/// where the policy says, to replicas chosen by a hash of the key (so one key keeps reading from
/// one replica while the membership holds), skipping replicas that are down, ejected or unlinked.
/// </summary>
internal sealed class ReplicationGroup(string name, int master, int[] replicas)
{
    /// <summary>The shard's name: "master" for the fork's rule, the Sentinel master name otherwise.</summary>
    public string Name { get; } = name;
    /// <summary>Index of the master in the topology's servers; -1 while none is known (Sentinel).</summary>
    public int Master { get; } = master;
    /// <summary>Indices of the replicas (in the topology's servers).</summary>
    public int[] Replicas { get; } = replicas;

    // Environment.TickCount64 until which writes are refused (a Sentinel failover is promoting a
    // replica: what the old master acknowledges from now on is lost when it is demoted). A new
    // topology (the switch) brings new groups, so the pause ends with the switch at the latest.
    private long _writesPausedUntil;

    /// <summary>Refuses writes until <paramref name="untilTicks"/> (Environment.TickCount64) or the next topology; any thread.</summary>
    public void PauseWrites(long untilTicks) => Volatile.Write(ref _writesPausedUntil, untilTicks);

    /// <summary>Writes are being refused (a failover in progress).</summary>
    public bool WritesPaused
    {
        get
        {
            var until = Volatile.Read(ref _writesPausedUntil);
            return until != 0 && Environment.TickCount64 < until;
        }
    }

    /// <summary>Server index for a request, or -1 when the policy leaves no server for it.</summary>
    public int Pick(ReadPolicy policy, ReadOnlySpan<byte> key, bool read, PoolServer[] servers)
    {
        if (!read)
        {
            return WritesPaused ? -1 : Master;
        }
        switch (policy)
        {
            case ReadPolicy.Master:
                return Master;
            case ReadPolicy.PreferMaster:
                if (MasterUp(servers))
                {
                    return Master;
                }
                var r = PickReplica(key, servers);
                return r >= 0 ? r : Master;
            case ReadPolicy.Replica:
                return PickReplica(key, servers);
            case ReadPolicy.PreferReplica:
                var replica = PickReplica(key, servers);
                return replica >= 0 ? replica : Master;
            default:
                return PickAny(key, servers);
        }
    }

    /// <summary>A server may take reads: its checks pass, it is not ejected, its connections are not failing.</summary>
    public static bool IsUp(PoolServer server)
        => server.Replication.Usable && !server.Health.IsEjected && server.Health.Failures == 0;

    /// <summary>
    /// A replica may take reads: up, not claiming to be a master (a restarted, not yet converted
    /// one), and linked to its master — unless the master is down too: then an unlinked replica
    /// holds the freshest copy there is, and reads keep working while the master is away.
    /// </summary>
    public static bool IsReplicaUp(PoolServer server, bool masterUp)
        => IsUp(server) && server.Replication.Role != "master" && (server.Replication.Linked || !masterUp);

    private bool MasterUp(PoolServer[] servers) => Master >= 0 && IsUp(servers[Master]);

    private int PickReplica(ReadOnlySpan<byte> key, PoolServer[] servers)
    {
        var n = Replicas.Length;
        if (n == 0)
        {
            return -1;
        }
        var start = (int)(Fnv1a(key) % (uint)n);
        var masterUp = MasterUp(servers);
        for (var i = 0; i < n; i++)
        {
            var index = Replicas[(start + i) % n];
            if (IsReplicaUp(servers[index], masterUp))
            {
                return index;
            }
        }
        return -1;
    }

    private int PickAny(ReadOnlySpan<byte> key, PoolServer[] servers)
    {
        var n = Replicas.Length + (Master >= 0 ? 1 : 0);
        if (n == 0)
        {
            return -1;
        }
        var start = (int)(Fnv1a(key) % (uint)n);
        var masterUp = MasterUp(servers);
        for (var i = 0; i < n; i++)
        {
            var slot = (start + i) % n;
            var index = slot < Replicas.Length ? Replicas[slot] : Master;
            if (slot < Replicas.Length ? IsReplicaUp(servers[index], masterUp) : masterUp)
            {
                return index;
            }
        }
        return Master;
    }

    private static uint Fnv1a(ReadOnlySpan<byte> key)
    {
        var h = 2166136261u;
        foreach (var b in key)
        {
            h = (h ^ b) * 16777619u;
        }
        return h;
    }
}
