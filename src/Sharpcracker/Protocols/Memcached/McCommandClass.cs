using Sharpcracker.Stats;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>The latency family (<see cref="CommandClass"/>) a memcached text command counts in.</summary>
internal static class McCommandClass
{
    public static CommandClass Of(McCommandKind kind) => kind switch
    {
        McCommandKind.Get or McCommandKind.Gets or McCommandKind.Gat or McCommandKind.Gats => CommandClass.Retrieval,
        McCommandKind.Set or McCommandKind.Add or McCommandKind.Replace or McCommandKind.Append
            or McCommandKind.Prepend or McCommandKind.Cas => CommandClass.Storage,
        McCommandKind.Incr or McCommandKind.Decr => CommandClass.Arithmetic,
        McCommandKind.Delete => CommandClass.Delete,
        _ => CommandClass.Other,
    };
}
