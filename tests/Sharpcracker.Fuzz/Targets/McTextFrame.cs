using Sharpcracker.Protocols.Memcached;

namespace Sharpcracker.Fuzz;

/// <summary>What <see cref="McRequestFramer"/> made of one request: compared across split points.</summary>
internal readonly record struct McTextFrame(McFrameStatus Status, long Consumed, string Command, string Line, string Data);
