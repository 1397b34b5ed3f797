namespace Sharpcracker.RouteCheck;

/// <summary>What one request got back.</summary>
internal enum ReplyKind
{
    /// <summary>STORED, DELETED, OK: the write was acknowledged.</summary>
    Stored,

    /// <summary>A get's VALUE.</summary>
    Hit,

    /// <summary>A get's bare END.</summary>
    Miss,

    /// <summary>SERVER_ERROR, CLIENT_ERROR, ERROR, NOT_STORED: an answer that is not success; the connection stays usable.</summary>
    ErrorReply,

    /// <summary>No whole answer in time, the connection closed or reset, or a reply that does not parse: the connection is unusable.</summary>
    Broken,
}
