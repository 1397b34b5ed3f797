namespace Sharpcracker.Protocols.Memcached;

/// <summary>Meta-protocol lines the proxy produces itself, byte for byte as memcached 1.6.18 sends them.</summary>
internal static class McMetaReplies
{
    public static ReadOnlySpan<byte> Noop => "MN\r\n"u8;
    /// <summary>Sent after a sentinel ma so the backend's MN marks the end of its (possibly empty) reply.</summary>
    public static ReadOnlySpan<byte> NoopRequest => "mn\r\n"u8;

    public static ReadOnlySpan<byte> LocalReply(McLocalReply reply) => reply switch
    {
        McLocalReply.MetaNoop => Noop,
        McLocalReply.MetaGetFlagsTooLong => "CLIENT_ERROR options flags are too long\r\n"u8,
        McLocalReply.MetaFlagsTooLong => "CLIENT_ERROR options flags too long\r\n"u8,
        McLocalReply.MetaDuplicateFlag => "CLIENT_ERROR duplicate flag\r\n"u8,
        McLocalReply.MetaInvalidFlag => "CLIENT_ERROR invalid flag\r\n"u8,
        McLocalReply.MetaKeyDecode => "CLIENT_ERROR error decoding key\r\n"u8,
        McLocalReply.MetaBadToken => "CLIENT_ERROR bad token in command line format\r\n"u8,
        McLocalReply.MetaModeLength => "CLIENT_ERROR incorrect length for M token\r\n"u8,
        McLocalReply.MetaInvalidInitial => "CLIENT_ERROR invalid numeric initial value\r\n"u8,
        McLocalReply.MetaInvalidDelta => "CLIENT_ERROR invalid numeric delta value\r\n"u8,
        McLocalReply.MetaInvalidOrDuplicateFlag => "CLIENT_ERROR invalid or duplicate flag\r\n"u8,
        McLocalReply.MetaOpaqueTooLong => "CLIENT_ERROR opaque token too long\r\n"u8,
        McLocalReply.MetaSetInvalidMode => "CLIENT_ERROR invalid mode for ms M token\r\n"u8,
        McLocalReply.MetaArithmeticInvalidMode => "CLIENT_ERROR invalid mode for ma M token\r\n"u8,
        _ => default,
    };
}
