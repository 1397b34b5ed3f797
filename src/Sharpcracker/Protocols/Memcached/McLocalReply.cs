namespace Sharpcracker.Protocols.Memcached;

internal enum McLocalReply : byte
{
    None,
    Error,
    BadFormat,
    DeleteUsage,
    InvalidExptime,
    InvalidDelta,
    ShutdownNotEnabled,
    End,
    StatsDetailUsage,
    BadCommandLine,
    IllegalSlabId,
    CrawlerSleepTooLong,
    NotSupportedByProxy,
    // Meta protocol replies (bytes in McMetaReplies).
    MetaNoop,
    MetaGetFlagsTooLong,
    MetaFlagsTooLong,
    MetaDuplicateFlag,
    MetaInvalidFlag,
    MetaKeyDecode,
    MetaBadToken,
    MetaModeLength,
    MetaInvalidInitial,
    MetaInvalidDelta,
    MetaInvalidOrDuplicateFlag,
    MetaOpaqueTooLong,
    MetaSetInvalidMode,
    MetaArithmeticInvalidMode,
}
