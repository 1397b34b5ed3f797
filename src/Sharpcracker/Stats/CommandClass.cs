using Sharpcracker.Protocols.Memcached;

namespace Sharpcracker.Stats;

/// <summary>
/// The command families latency is measured per. Values index arrays: keep them dense, from 0.
/// memcached text commands map by kind; meta commands and Redis commands count as Other.
/// </summary>
internal enum CommandClass : byte
{
    Other = 0,
    Retrieval = 1,
    Storage = 2,
    Arithmetic = 3,
    Delete = 4,
}

internal static class CommandClasses
{
    public const int Count = 5;

    /// <summary>Label values, indexed by <see cref="CommandClass"/>.</summary>
    public static readonly string[] Names = ["other", "retrieval", "storage", "arithmetic", "delete"];

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
