namespace Sharpcracker.Engine;

/// <summary>
/// Which of a server's two connection sets a request travels on. A backend connection's wire
/// dialect is fixed when it opens (memcached: by its first byte; Redis: by HELLO in its handshake),
/// so a client that speaks the other dialect gets connections of its own, opened on first use and
/// never for traffic that does not need them. The pool's protocol names the meaning: memcached
/// text / binary, Redis RESP2 / RESP3.
/// </summary>
internal enum ServerDialect : byte
{
    /// <summary>memcached text (and meta); Redis RESP2.</summary>
    Default,

    /// <summary>memcached binary; Redis RESP3.</summary>
    Alternate,
}
