
namespace Sharpcracker.Protocols.Memcached;

internal enum McRequestKind : byte
{
    /// <summary>Answered by the proxy; Reply holds the bytes.</summary>
    Local,
    /// <summary>Forwarded to one server; a one-line reply passed through.</summary>
    Single,
    /// <summary>A get/gets/gat/gats forwarded whole to one server; the reply passed through.</summary>
    Retrieval,
    /// <summary>A retrieval whose keys span servers, split into RetrievalFragments (one per server).</summary>
    RetrievalSplit,
    RetrievalFragment,
    /// <summary>An admin command (flush_all, verbosity) split to every server; one reply back. Fragments are AdminFragments.</summary>
    AdminSplit,
    AdminFragment,
    /// <summary>Close the client once everything before it has been written.</summary>
    Quit,
    /// <summary>A meta command forwarded to one server; MetaQuiet says what of its reply the client sees.</summary>
    Meta,
    /// <summary>A binary-protocol request forwarded to one server on its binary connection (McBinary).</summary>
    Binary,
    /// <summary>A binary FLUSH, or a STAT reset / detail on|off, split to every server; one reply back. Fragments are BinaryToEveryServerFragments.</summary>
    BinaryToEveryServer,
    BinaryToEveryServerFragment,
    /// <summary>A write through a replicated route: one fragment per replica (each of the client's own kind), one reply by the route's write policy.</summary>
    ReplicatedWrite,
}
