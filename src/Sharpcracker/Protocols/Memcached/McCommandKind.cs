namespace Sharpcracker.Protocols.Memcached;

internal enum McCommandKind : byte
{
    /// <summary>Answered by the proxy with <see cref="McCommand.Reply"/> (an error or fixed line).</summary>
    Local,
    /// <summary>Malformed under noreply: memcached answers nothing, so neither do we.</summary>
    Silent,
    /// <summary>Close the connection without a reply (memcached's HTTP/ rule).</summary>
    Close,
    Get,
    Gets,
    Gat,
    Gats,
    Set,
    Add,
    Replace,
    Append,
    Prepend,
    Cas,
    Delete,
    Incr,
    Decr,
    Touch,
    Version,
    Verbosity,
    FlushAll,
    Quit,
    Stats,
    /// <summary>A server-local admin command sent to every server with one combined reply (McAdminParser).</summary>
    AdminToEveryServer,
    // Meta protocol (McMetaParser); mn is answered locally.
    MetaGet,
    MetaSet,
    MetaDelete,
    MetaArithmetic,
    MetaDebug,
}
