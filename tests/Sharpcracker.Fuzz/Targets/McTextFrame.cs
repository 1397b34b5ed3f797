using Sharpcracker.Protocols.Memcached;

namespace Sharpcracker.Fuzz;

/// <summary>
/// What <see cref="McRequestFramer"/> made of one request, compared across split points. Line and
/// data are checked against the input where they are recorded, so the input offset stands for them.
/// </summary>
internal readonly struct McTextFrame(McFrameStatus status, int offset, long consumed, McCommand command) : IEquatable<McTextFrame>
{
    public McFrameStatus Status { get; } = status;
    public int Offset { get; } = offset;
    public long Consumed { get; } = consumed;
    public McCommand Command { get; } = command;

    public bool Equals(McTextFrame other)
        => Status == other.Status && Offset == other.Offset && Consumed == other.Consumed && McTextChecks.Same(Command, other.Command);

    public override bool Equals(object? obj) => obj is McTextFrame other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Status, Offset, Consumed);

    public static bool operator ==(McTextFrame a, McTextFrame b) => a.Equals(b);

    public static bool operator !=(McTextFrame a, McTextFrame b) => !a.Equals(b);

    public override string ToString() => $"{Status}@{Offset}+{Consumed} {McTextChecks.Text(Command)}";
}
