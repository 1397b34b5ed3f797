using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Routing;

/// <summary>
/// A Redis Cluster's slot map as the proxy last learned it: for each of the 16384 slots, the
/// endpoint ("host:port") of the master serving it, or none; and for each master, its replicas
/// as the cluster last listed them (CLUSTER SLOTS lists only replicas that are not failing and,
/// in Redis 7.0, only once their first sync is done). A key's slot is CRC16-XMODEM of the
/// key — of only the bytes between the first <c>{</c> and the first <c>}</c> after it when there
/// is at least one byte between them — modulo 16384 (Redis's own rule, so a client's hash tags
/// keep working through the proxy).
/// </summary>
/// <remarks>Immutable; a MOVED or a refresh builds a new map. Safe to read from many threads.</remarks>
internal sealed class RedisClusterSlotMap
{
    public const int SlotCount = 16384;

    private static readonly HashTag s_tag = new((byte)'{', (byte)'}');

    // Index into _nodes of each slot's master; -1: not served.
    private readonly short[] _owner;
    private readonly string[] _nodes;
    // _replicas[i]: the replicas of master _nodes[i] (never null; empty when none is listed).
    private readonly string[][] _replicas;

    private RedisClusterSlotMap(short[] owner, string[] nodes, string[][] replicas)
    {
        _owner = owner;
        _nodes = nodes;
        _replicas = replicas;
    }

    /// <summary>A map that serves no slot (before the first refresh).</summary>
    public static RedisClusterSlotMap Empty { get; } = new(NewOwners(), [], []);

    /// <summary>Masters that serve at least one slot, in the order they were first seen.</summary>
    public IReadOnlyList<string> Nodes => _nodes;

    /// <summary>Every node the map names: the masters, then their replicas (each once).</summary>
    public IEnumerable<string> AllNodes => _nodes.Concat(_replicas.SelectMany(r => r)).Distinct(StringComparer.Ordinal);

    /// <summary>The replicas of master <see cref="Nodes"/>[<paramref name="node"/>] (empty when none is listed).</summary>
    public IReadOnlyList<string> ReplicasOf(int node) => _replicas[node];

    /// <summary>How many slots have a master.</summary>
    public int AssignedSlots => _owner.Count(o => o >= 0);

    /// <summary>The key's hash slot (Redis's <c>keyHashSlot</c>).</summary>
    public static int Slot(ReadOnlySpan<byte> key) => HashFunctions.Crc16Xmodem(s_tag.Apply(key)) & (SlotCount - 1);

    /// <summary>The endpoint of the slot's master, or null when no master serves it.</summary>
    public string? Owner(int slot) => _owner[slot] is var o and >= 0 ? _nodes[o] : null;

    /// <summary>Index into <see cref="Nodes"/> of the slot's master, -1 when none.</summary>
    public int OwnerIndex(int slot) => _owner[slot];

    /// <summary>Builds a map from (first slot, last slot, master endpoint) ranges without replicas.</summary>
    /// <exception cref="ArgumentException">A range outside 0..16383 or reversed.</exception>
    public static RedisClusterSlotMap FromRanges(IEnumerable<(int First, int Last, string Master)> ranges)
        => FromRanges(ranges.Select(r => new ClusterSlotRange(r.First, r.Last, r.Master, [])));

    /// <summary>
    /// Builds a map from ranges as CLUSTER SLOTS lists them. A master's replicas are those of its
    /// first range (a cluster lists the same replicas with every range of one master).
    /// </summary>
    /// <exception cref="ArgumentException">A range outside 0..16383 or reversed.</exception>
    public static RedisClusterSlotMap FromRanges(IEnumerable<ClusterSlotRange> ranges)
    {
        var owner = NewOwners();
        var nodes = new List<string>();
        var replicas = new List<string[]>();
        foreach (var range in ranges)
        {
            var (first, last) = (range.First, range.Last);
            if (first < 0 || last >= SlotCount || first > last)
            {
                throw new ArgumentException($"slot range {first}-{last} is outside 0-{SlotCount - 1}", nameof(ranges));
            }
            var index = nodes.IndexOf(range.Master);
            if (index < 0)
            {
                index = nodes.Count;
                nodes.Add(range.Master);
                // Sorted: nodes may list replicas in different orders, which is no change.
                replicas.Add([.. range.Replicas.Where(r => r != range.Master).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
            }
            owner.AsSpan(first, last - first + 1).Fill((short)index);
        }
        return new RedisClusterSlotMap(owner, [.. nodes], [.. replicas]);
    }

    /// <summary>
    /// This map with one slot moved to <paramref name="master"/> (a MOVED reply); the same map when
    /// nothing changes. A master the map did not know yet has no replicas until the next refresh.
    /// </summary>
    public RedisClusterSlotMap WithSlot(int slot, string master)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, SlotCount);
        if (Owner(slot) == master)
        {
            return this;
        }
        var owner = (short[])_owner.Clone();
        var nodes = _nodes;
        var replicas = _replicas;
        var index = Array.IndexOf(nodes, master);
        if (index < 0)
        {
            index = nodes.Length;
            nodes = [.. nodes, master];
            replicas = [.. replicas, []];
        }
        owner[slot] = (short)index;
        return new RedisClusterSlotMap(owner, nodes, replicas);
    }

    /// <summary>True when both maps give every slot the same master, name the same masters, and give every master the same replicas.</summary>
    public bool SameAs(RedisClusterSlotMap other)
    {
        // A master a MOVED took the last slot from stays in _nodes with none; the next refresh
        // drops it, and that is a change (its replicas and the node itself may leave the pool).
        if (_nodes.Length != other._nodes.Length)
        {
            return false;
        }
        for (var slot = 0; slot < SlotCount; slot++)
        {
            if (Owner(slot) != other.Owner(slot))
            {
                return false;
            }
        }
        for (var node = 0; node < _nodes.Length; node++)
        {
            var there = Array.IndexOf(other._nodes, _nodes[node]);
            if (there >= 0 && !_replicas[node].AsSpan().SequenceEqual(other._replicas[there]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Contiguous ranges with one master each, ascending (for logs and the console).</summary>
    public IEnumerable<(int First, int Last, string? Master)> Ranges()
    {
        var start = 0;
        for (var slot = 1; slot <= SlotCount; slot++)
        {
            if (slot == SlotCount || _owner[slot] != _owner[start])
            {
                yield return (start, slot - 1, Owner(start));
                start = slot;
            }
        }
    }

    private static short[] NewOwners()
    {
        var owner = new short[SlotCount];
        Array.Fill(owner, (short)-1);
        return owner;
    }
}
