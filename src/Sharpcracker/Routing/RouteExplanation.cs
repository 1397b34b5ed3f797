namespace Sharpcracker.Routing;

/// <summary>How a <see cref="KeyRouter"/> placed one key, step by step (the operator console's "where does this key go").</summary>
/// <param name="HashedOffset">Start of the part of the key that was hashed (hash_tag applied).</param>
/// <param name="HashedLength">Length of that part; the whole key when no tag matched.</param>
/// <param name="TagMatched">True when hash_tag selected a part of the key.</param>
/// <param name="Hash">The pool hash of the hashed part (0 for an empty key, as twemproxy).</param>
/// <param name="Step">What decided the server.</param>
/// <param name="Position">Ketama: index of the deciding continuum point; modula: the slot (hash % total weight); else -1.</param>
/// <param name="PositionValue">Ketama: the deciding point's value; modula: the total weight; else 0.</param>
/// <param name="PositionCount">Ketama: points on the continuum; modula: slots; else 0.</param>
/// <param name="ServerIndex">The server picked (index in the pool's server list); -1 when none is live. For random: one pick.</param>
internal readonly record struct RouteExplanation(
    int HashedOffset, int HashedLength, bool TagMatched, uint Hash, RouteStep Step,
    long Position, uint PositionValue, int PositionCount, int ServerIndex);
