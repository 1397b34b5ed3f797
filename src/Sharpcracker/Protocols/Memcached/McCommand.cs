namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// One parsed request line. Offsets are relative to the start of the line; the line itself
/// stays in the client's input buffer until the request has been copied out.
/// </summary>
internal struct McCommand
{
    public McCommandKind Kind;
    public McLocalReply Reply;
    /// <summary>The client asked for no reply; the backend is still asked for one and the proxy drops it.</summary>
    public bool Noreply;
    /// <summary>Bytes of the line to forward (a trailing noreply token and the line end are cut).</summary>
    public int ForwardLength;
    /// <summary>Single-key commands: the key.</summary>
    public int KeyStart;
    public int KeyLength;
    /// <summary>Retrieval commands: offset of the first key; the bytes before it are the command prefix.</summary>
    public int KeysStart;
    /// <summary>Storage commands: bytes of data block that follow the line, including its \r\n.</summary>
    public int DataLength;
    /// <summary>Meta commands: quiet handling, base64 key, q token to cut, ms bytes to swallow after a local error.</summary>
    public McMetaCommand Meta;

    public static McCommand Local(McLocalReply reply) => new() { Kind = McCommandKind.Local, Reply = reply };

    public readonly bool IsRetrieval => Kind is McCommandKind.Get or McCommandKind.Gets or McCommandKind.Gat or McCommandKind.Gats;

    public readonly bool IsStorage => Kind is McCommandKind.Set or McCommandKind.Add or McCommandKind.Replace
        or McCommandKind.Append or McCommandKind.Prepend or McCommandKind.Cas or McCommandKind.MetaSet;

    public static ReadOnlySpan<byte> ReplyBytes(McLocalReply reply) => reply switch
    {
        McLocalReply.Error => McReplies.Error,
        McLocalReply.BadFormat => McReplies.BadFormat,
        McLocalReply.DeleteUsage => McReplies.DeleteUsage,
        McLocalReply.InvalidExptime => McReplies.InvalidExptime,
        McLocalReply.InvalidDelta => McReplies.InvalidDelta,
        McLocalReply.ShutdownNotEnabled => McReplies.ShutdownNotEnabled,
        McLocalReply.End => McReplies.End,
        McLocalReply.StatsDetailUsage => McReplies.StatsDetailUsage,
        McLocalReply.BadCommandLine => McReplies.BadCommandLine,
        McLocalReply.IllegalSlabId => McReplies.IllegalSlabId,
        McLocalReply.CrawlerSleepTooLong => McReplies.CrawlerSleepTooLong,
        McLocalReply.NotSupportedByProxy => McReplies.NotSupportedByProxy,
        _ => McMetaReplies.LocalReply(reply),
    };
}
