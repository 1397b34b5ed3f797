namespace Sharpcracker.Engine;

/// <summary>
/// Pushes: bytes the client gets outside the request/reply order (a pub/sub message). The output
/// only ever holds whole replies, so a push appended between them is framed correctly; it counts
/// against client_output_limit like a reply, so a subscriber that does not read is disconnected
/// there and never holds up anyone else.
/// </summary>
internal abstract partial class ClientSession<TRequest>
{
    /// <summary>
    /// Worker thread: appends <paramref name="frame"/> to the client's output with its first byte
    /// replaced by <paramref name="first"/> (RESP2 <c>*</c> / RESP3 <c>&gt;</c>), one copy, sent at
    /// the end of the pass. False when the client is closing (nothing written).
    /// </summary>
    public bool WritePush(byte first, ReadOnlySpan<byte> frame)
    {
        AssertOnWorker();
        if (_phase >= ClientPhase.Closing || frame.IsEmpty)
        {
            return false;
        }
        _out.WriteByte(first);
        _out.Write(frame[1..]);
        CountReplyBytes(frame.Length);
        MarkDirty();
        return true;
    }
}
