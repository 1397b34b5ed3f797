namespace Sharpcracker.OperatorConsole;

/// <summary>What a request for the key does with one pool of its route's terminal, now (/route, <c>--route</c>).</summary>
internal enum RouteUse : byte
{
    /// <summary>A request goes here now.</summary>
    Now,
    /// <summary>Tried when the pools before it fail (failover, a replicated read) or miss (warm-up's warm, a replicated read with read_failover_on_miss).</summary>
    Next,
    /// <summary>Its server for the key is ejected or being probed back: a request skips it now.</summary>
    Skipped,
    /// <summary>Its server for the key is held out of routes until the writes it missed are deleted on it (main's PoolServer.MissedWrites; set once merged).</summary>
    Held,
    /// <summary>The pool has no server for the key now (every server ejected).</summary>
    NoServer,
    /// <summary>A replicated update or delete: sent to every replica.</summary>
    Every,
    /// <summary>Not used by this operation (warm-up's warm pool for anything but a get).</summary>
    Unused,
    /// <summary>A replicated read with read_from client: the first replica depends on the client connection.</summary>
    ByClient,
}
