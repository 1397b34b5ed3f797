namespace Sharpcracker.Pools.Routes;

/// <summary>What an operation route tells apart (and what decides how failover, replicated and warm-up routes treat a request).</summary>
internal enum RouteOperation : byte
{
    /// <summary>get, gets, gat, gats, mg, and the binary gets.</summary>
    Get,
    /// <summary>Storage (set, add, replace, append, prepend, cas, ms), arithmetic (incr, decr, ma) and touch.</summary>
    Update,
    /// <summary>delete, md, and the binary delete.</summary>
    Delete,
    /// <summary>version, verbosity, mn, me and everything else without a key.</summary>
    Other,
}
