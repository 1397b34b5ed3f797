using Sharpcracker.Hashing;

namespace Sharpcracker.Distribution;

/// <summary>One server of a pool as the continuum sees it.</summary>
public readonly record struct ContinuumMember(int ServerIndex, string Name, int Weight);

/// <summary>hash_tag: two bytes, or none.</summary>
public readonly struct HashTag
{
    // STUB
    public HashTag(byte open, byte close) { Open = open; Close = close; IsSet = true; }
    public byte Open { get; }
    public byte Close { get; }
    public bool IsSet { get; }
    public static HashTag None => default;
    public ReadOnlySpan<byte> Apply(ReadOnlySpan<byte> key) => key;
}

// STUB: replaced by the distribution work (issue 3).
public sealed class KeyRouter
{
    private readonly int[] _live;
    public KeyRouter(HashKind hash, HashTag tag, DistributionKind distribution, IReadOnlyList<ContinuumMember> liveMembers)
    {
        Hash = hash; Tag = tag; Distribution = distribution;
        _live = liveMembers.Select(m => m.ServerIndex).ToArray();
    }
    public HashKind Hash { get; }
    public HashTag Tag { get; }
    public DistributionKind Distribution { get; }
    public int LiveCount => _live.Length;
    public int Route(ReadOnlySpan<byte> key)
    {
        if (_live.Length == 0) return -1;
        if (_live.Length == 1) return _live[0];
        return _live[KeyHasher.Hash(Hash, Tag.Apply(key)) % (uint)_live.Length];
    }
}
