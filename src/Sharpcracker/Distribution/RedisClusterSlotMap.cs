using Sharpcracker.Hashing;

namespace Sharpcracker.Distribution;

/// <summary>
/// A Redis Cluster's slot map as the proxy last learned it: for each of the 16384 slots, the
/// endpoint ("host:port") of the master serving it, or none. A key's slot is CRC16-XMODEM of the
/// key — of only the bytes between the first <c>{</c> and the first <c>}</c> after it when there
/// is at least one byte between them — modulo 16384 (Redis's own rule, so a client's hash tags
/// keep working through the proxy).
/// </summary>
/// <remarks>Immutable; a MOVED or a refresh builds a new map. Safe to read from many threads.</remarks>
public sealed class RedisClusterSlotMap
{
    public const int SlotCount = 16384;

    private static readonly HashTag s_tag = new((byte)'{', (byte)'}');

    // Index into _nodes of each slot's master; -1: not served.
    private readonly short[] _owner;
    private readonly string[] _nodes;

    private RedisClusterSlotMap(short[] owner, string[] nodes)
    {
        _owner = owner;
        _nodes = nodes;
    }

    /// <summary>A map that serves no slot (before the first refresh).</summary>
    public static RedisClusterSlotMap Empty { get; } = new(NewOwners(), []);

    /// <summary>Masters that serve at least one slot, in the order they were first seen.</summary>
    public IReadOnlyList<string> Nodes => _nodes;

    /// <summary>How many slots have a master.</summary>
    public int AssignedSlots => _owner.Count(o => o >= 0);

    /// <summary>The key's hash slot (Redis's <c>keyHashSlot</c>).</summary>
    public static int Slot(ReadOnlySpan<byte> key) => (int)(HashFunctions.Crc16(s_tag.Apply(key)) & (SlotCount - 1));

    /// <summary>The endpoint of the slot's master, or null when no master serves it.</summary>
    public string? Owner(int slot) => _owner[slot] is var o and >= 0 ? _nodes[o] : null;

    /// <summary>Index into <see cref="Nodes"/> of the slot's master, -1 when none.</summary>
    public int OwnerIndex(int slot) => _owner[slot];

    /// <summary>Builds a map from (first slot, last slot, master endpoint) ranges, as CLUSTER SLOTS lists them.</summary>
    /// <exception cref="ArgumentException">A range outside 0..16383 or reversed.</exception>
    public static RedisClusterSlotMap FromRanges(IEnumerable<(int First, int Last, string Master)> ranges)
    {
        var owner = NewOwners();
        var nodes = new List<string>();
        foreach (var (first, last, master) in ranges)
        {
            if (first < 0 || last >= SlotCount || first > last)
            {
                throw new ArgumentException($"slot range {first}-{last} is outside 0-{SlotCount - 1}", nameof(ranges));
            }
            var index = nodes.IndexOf(master);
            if (index < 0)
            {
                index = nodes.Count;
                nodes.Add(master);
            }
            owner.AsSpan(first, last - first + 1).Fill((short)index);
        }
        return new RedisClusterSlotMap(owner, [.. nodes]);
    }

    /// <summary>This map with one slot moved to <paramref name="master"/> (a MOVED reply); the same map when nothing changes.</summary>
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
        var index = Array.IndexOf(nodes, master);
        if (index < 0)
        {
            index = nodes.Length;
            nodes = [.. nodes, master];
        }
        owner[slot] = (short)index;
        return new RedisClusterSlotMap(owner, nodes);
    }

    /// <summary>True when both maps give every slot the same master.</summary>
    public bool SameAs(RedisClusterSlotMap other)
    {
        for (var slot = 0; slot < SlotCount; slot++)
        {
            if (Owner(slot) != other.Owner(slot))
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
