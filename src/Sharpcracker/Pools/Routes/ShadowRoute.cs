using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Pools.Routes;

/// <summary>
/// Requests go to the primary route; those whose key hash (CRC32) falls in the first fraction of
/// the hash range are also copied to the shadow pool, replies discarded. The copies one worker
/// has in flight are bounded (<see cref="MaxInFlightPerWorker"/>): past it a copy is dropped and
/// counted, so a slow or stopped shadow pool never pauses a client or holds unbounded memory.
/// </summary>
internal sealed class ShadowRoute : RouteNode
{
    /// <summary>Copies one worker keeps in flight to all shadow pools of a tree.</summary>
    public const int MaxInFlightPerWorker = 256;

    private readonly ulong _limit; // keys whose hash is below this are copied
    private readonly int[] _inFlight; // per worker, padded: [(worker + 1) * 32], clear of the array's header line

    public ShadowRoute(RouteNode primary, ServerPool shadow, double fraction, int workers)
        : base("shadow", workers)
    {
        Primary = primary;
        Shadow = shadow;
        Fraction = fraction;
        _limit = fraction >= 1 ? ulong.MaxValue : (ulong)(fraction * 4294967296.0);
        _inFlight = new int[(Math.Max(workers, 1) + 2) * 32];
        Children = [("primary", primary), ("shadow", new PoolRoute(shadow, workers) { Path = "shadow" })];
    }

    public RouteNode Primary { get; }
    public ServerPool Shadow { get; }
    public double Fraction { get; }

    public override IReadOnlyList<(string Label, RouteNode Child)> Children { get; }

    public override RouteNode Select(ReadOnlySpan<byte> key, RouteOperation operation, ref ShadowRoute? shadow)
    {
        if (shadow is null && (_limit == ulong.MaxValue || HashFunctions.Crc32a(key) < _limit))
        {
            shadow = this;
        }
        return Primary.Select(key, operation, ref shadow);
    }

    /// <summary>Worker thread: takes an in-flight slot for one copy; false when the bound is reached.</summary>
    public bool TryBeginCopy(int worker)
    {
        ref var n = ref _inFlight[(worker + 1) * 32];
        if (n >= MaxInFlightPerWorker)
        {
            return false;
        }
        n++;
        return true;
    }

    /// <summary>Worker thread: a copy's reply (or failure) came back.</summary>
    public void EndCopy(int worker) => _inFlight[(worker + 1) * 32]--;
}
