using System.Buffers.Binary;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>What the session does with one binary request packet (see <see cref="McBinaryParser"/>).</summary>
internal enum McBinaryAction : byte
{
    /// <summary>Not enough bytes buffered yet.</summary>
    NeedMore,
    /// <summary>Not a request packet (magic ≠ 0x80): close without a reply.</summary>
    Close,
    /// <summary>Answer <see cref="McBinaryFrame.Status"/> with memcached's text, then close.</summary>
    ErrorThenClose,
    /// <summary>Answer <see cref="McBinaryFrame.Status"/> and keep the connection; discard <see cref="McBinaryFrame.Swallow"/> bytes after the packet.</summary>
    Error,
    /// <summary>A keyed request for one server: the first <see cref="McBinaryFrame.Consumed"/> bytes are what it forwards.</summary>
    Keyed,
    /// <summary>A store whose value exceeds request_size_limit: 0x03 "Too large.", the value swallowed.</summary>
    TooLarge,
    Noop,
    Version,
    Quit,
    Flush,
    Stat,
    SaslListMechs,
    /// <summary>SASL_AUTH or SASL_STEP with the proxy's authentication on: the whole packet is buffered.</summary>
    SaslAuth,
}
