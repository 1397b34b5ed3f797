namespace Sharpcracker.Routing;

/// <summary>The last step of a placement.</summary>
internal enum RouteStep
{
    /// <summary>No server is live.</summary>
    NoServer,
    /// <summary>One live server takes every key; twemproxy does not hash.</summary>
    OnlyServer,
    /// <summary>The first continuum point at or after the hash (wrapping).</summary>
    KetamaPoint,
    /// <summary>hash % total weight picks a slot; slots are given out by weight in server order.</summary>
    ModulaSlot,
    /// <summary>A random live server per request: keys have no fixed place.</summary>
    Random,
}
