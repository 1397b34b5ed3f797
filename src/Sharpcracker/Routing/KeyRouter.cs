using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Routing;

/// <summary>
/// Maps keys to servers like twemproxy 0.5.0's <c>server_pool_idx</c>: hash_tag, then the pool hash
/// (an empty key hashes to 0 without calling the hash), then the distribution.
/// </summary>
/// <remarks>
/// Immutable after construction; rebuild when the live membership changes (ejection, retry). All state is
/// read-only arrays, so <see cref="Route"/> is safe to call from many threads at once and allocates nothing.
/// </remarks>
internal sealed class KeyRouter
{
    // Exactly one of these is used, by Distribution; LiveCount <= 1 uses none.
    private readonly KetamaContinuum? _ketama;
    // Modula: member m owns slots [_modulaEnds[m-1], _modulaEnds[m]) of the weighted slot list.
    private readonly uint[] _modulaEnds = [];
    private readonly uint _modulaTotal;
    // ServerIndex of each live member, in order (random picks from it; also LiveCount <= 1).
    private readonly int[] _liveServers;

    /// <param name="liveMembers">Live members only, in ascending ServerIndex order (twemproxy order).</param>
    /// <exception cref="ArgumentException">Members out of order, a weight below 1, a missing name for ketama,
    /// or total weight above int.MaxValue.</exception>
    public KeyRouter(HashKind hash, HashTag tag, DistributionKind distribution, IReadOnlyList<ContinuumMember> liveMembers)
    {
        ArgumentNullException.ThrowIfNull(liveMembers);
        if (!Enum.IsDefined(hash))
        {
            throw new ArgumentOutOfRangeException(nameof(hash), hash, "unknown hash kind");
        }
        if (!Enum.IsDefined(distribution))
        {
            throw new ArgumentOutOfRangeException(nameof(distribution), distribution, "unknown distribution kind");
        }
        if (distribution is DistributionKind.VBucket or DistributionKind.RedisCluster)
        {
            throw new ArgumentException("vbucket and redis_cluster pools route with their own maps, not a KeyRouter", nameof(distribution));
        }

        Hash = hash;
        Tag = tag;
        Distribution = distribution;

        int n = liveMembers.Count;
        _liveServers = new int[n];
        long totalWeight = 0;
        for (int m = 0; m < n; m++)
        {
            ContinuumMember member = liveMembers[m];
            if (member.ServerIndex < 0 || (m > 0 && member.ServerIndex <= liveMembers[m - 1].ServerIndex))
            {
                throw new ArgumentException("live members must have distinct non-negative server indices in ascending order", nameof(liveMembers));
            }
            if (member.Weight < 1)
            {
                throw new ArgumentException($"server {member.ServerIndex} has weight {member.Weight}; weights are at least 1", nameof(liveMembers));
            }
            if (distribution == DistributionKind.Ketama && member.Name is null)
            {
                throw new ArgumentException($"server {member.ServerIndex} has no name; ketama hashes server names", nameof(liveMembers));
            }
            _liveServers[m] = member.ServerIndex;
            totalWeight += member.Weight;
        }
        // twemproxy sums weights in uint32 and allocates one modula slot per unit of weight; beyond this
        // its behaviour is undefined, so such configurations are refused.
        if (totalWeight > int.MaxValue)
        {
            throw new ArgumentException("total weight of live members exceeds int.MaxValue", nameof(liveMembers));
        }

        if (n <= 1)
        {
            return;
        }

        switch (distribution)
        {
            case DistributionKind.Ketama:
                _ketama = KetamaContinuum.Build(liveMembers, totalWeight);
                break;
            case DistributionKind.Modula:
                _modulaEnds = new uint[n];
                uint end = 0;
                for (int m = 0; m < n; m++)
                {
                    end += (uint)liveMembers[m].Weight;
                    _modulaEnds[m] = end;
                }
                _modulaTotal = end;
                break;
        }
    }

    public HashKind Hash { get; }

    public HashTag Tag { get; }

    public DistributionKind Distribution { get; }

    public int LiveCount => _liveServers.Length;

    /// <summary>Ketama points (sorted) and their servers, for tests and diagnostics; empty otherwise.</summary>
    internal ReadOnlySpan<uint> KetamaPoints => _ketama is null ? default : _ketama.Points;

    internal ReadOnlySpan<int> KetamaServers => _ketama is null ? default : _ketama.Servers;

    /// <summary>
    /// The ServerIndex that twemproxy would pick for <paramref name="key"/>; -1 when no member is live.
    /// A single live member is returned without hashing (twemproxy skips hashing for one-server pools).
    /// </summary>
    public int Route(ReadOnlySpan<byte> key)
    {
        int[] live = _liveServers;
        if (live.Length <= 1)
        {
            return live.Length == 0 ? -1 : live[0];
        }

        return Distribution == DistributionKind.Random
            ? live[Random.Shared.Next(live.Length)]
            : RouteHash(HashKey(key));
    }

    /// <summary>ServerIndex of each live member, ascending (the servers the distribution was built over).</summary>
    internal ReadOnlySpan<int> LiveServers => _liveServers;

    /// <summary>
    /// <see cref="Route"/> step by step, through the same hash and lookup functions; for diagnostics
    /// (the operator console), never on the request path.
    /// </summary>
    internal RouteExplanation Explain(ReadOnlySpan<byte> key)
    {
        ReadOnlySpan<byte> hashed = Tag.Apply(key);
        int offset = hashed.IsEmpty || !key.Overlaps(hashed, out int o) ? 0 : o;
        bool tagMatched = hashed.Length != key.Length;
        uint hash = HashKey(key);
        int[] live = _liveServers;
        if (live.Length <= 1)
        {
            var step = live.Length == 0 ? RouteStep.NoServer : RouteStep.OnlyServer;
            return new(offset, hashed.Length, tagMatched, hash, step, -1, 0, 0, Route(key));
        }
        if (Distribution == DistributionKind.Random)
        {
            return new(offset, hashed.Length, tagMatched, hash, RouteStep.Random, -1, 0, 0, Route(key));
        }
        if (_ketama is not null)
        {
            int point = _ketama.PointIndex(hash);
            return new(offset, hashed.Length, tagMatched, hash, RouteStep.KetamaPoint, point, _ketama.Points[point], _ketama.Points.Length, RouteHash(hash));
        }
        return new(offset, hashed.Length, tagMatched, hash, RouteStep.ModulaSlot, hash % _modulaTotal, _modulaTotal, (int)_modulaTotal, RouteHash(hash));
    }

    /// <summary>twemproxy's <c>server_pool_hash</c> after hash_tag: 0 for an empty key, else the pool hash.</summary>
    internal uint HashKey(ReadOnlySpan<byte> key)
    {
        ReadOnlySpan<byte> hashed = Tag.Apply(key);
        return hashed.IsEmpty ? 0 : KeyHasher.Hash(Hash, hashed);
    }

    /// <summary>Dispatch of an already computed hash (ketama or modula with at least two live members).</summary>
    internal int RouteHash(uint hash)
    {
        if (_ketama is not null)
        {
            return _ketama.Lookup(hash);
        }

        // Modula: slot = hash % total weight; find the member whose slot range holds it.
        uint slot = hash % _modulaTotal;
        uint[] ends = _modulaEnds;
        int lo = 0;
        int hi = ends.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (ends[mid] <= slot)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return _liveServers[lo];
    }
}
