using System.Buffers;

namespace Sharpcracker.Protocols.Memcached;

internal enum McFrameStatus
{
    /// <summary>No complete request at the start of the buffer yet.</summary>
    NeedMore,
    /// <summary>A complete request: command, line and (for storage) its data block.</summary>
    Request,
    /// <summary>The client broke a rule memcached enforces by closing (2 KiB without a line end).</summary>
    Close,
    /// <summary>
    /// A storage command whose line plus data exceeds the request size limit: command and line
    /// are valid, consumed covers the line only; the caller answers and swallows
    /// <see cref="McCommand.DataLength"/> bytes, as memcached does for an item over its size limit.
    /// </summary>
    TooLarge,
}
