namespace Sharpcracker.Pools.Routes;

/// <summary>What a route node counts (stats port, /metrics, the status page).</summary>
internal enum RouteCounter
{
    /// <summary>Requests this node routed.</summary>
    Requests,
    /// <summary>Retrievals answered with a value.</summary>
    Hits,
    /// <summary>Retrievals answered without one.</summary>
    Misses,
    /// <summary>Requests sent again to a later child (failover) or replica (replicated read), or to warm (warm-up).</summary>
    Failovers,
    /// <summary>Requests that reached the client as an error after every child was tried.</summary>
    Errors,
    /// <summary>Copies sent to a shadow pool.</summary>
    ShadowSent,
    /// <summary>Copies not sent: the shadow's in-flight bound was reached or its server was unavailable.</summary>
    ShadowDropped,
    /// <summary>Warm-up: cold filled with add from a warm hit.</summary>
    Fills,
}
