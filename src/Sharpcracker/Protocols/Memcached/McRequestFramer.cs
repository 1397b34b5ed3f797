using System.Buffers;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// Cuts one complete request off the front of a client's input, however the bytes were split
/// across reads and buffer segments. Pure: no I/O, no state beyond a scratch array for lines
/// that straddle segments.
/// </summary>
internal static class McRequestFramer
{
    public static McFrameStatus TryFrame(
        in ReadOnlySequence<byte> buffer,
        ref byte[] scratch,
        long maxRequestBytes,
        out McCommand command,
        out ReadOnlySpan<byte> line,
        out ReadOnlySequence<byte> data,
        out long consumed)
    {
        command = default;
        line = default;
        data = default;
        consumed = 0;
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            if ((buffer.Length > McRequestParser.MaxLineWithoutNewline && !StartsLikeRetrieval(buffer)) || buffer.Length > maxRequestBytes)
            {
                return McFrameStatus.Close;
            }
            return McFrameStatus.NeedMore;
        }
        var lineSequence = buffer.Slice(0, newline.Value);
        var lineLength = lineSequence.Length;
        line = lineSequence.IsSingleSegment ? lineSequence.FirstSpan : CopyToScratch(lineSequence, ref scratch);
        // memcached strips one '\r' before the '\n' only when the line has more than that byte.
        if (line.Length > 1 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }
        // memcached works on C strings: a NUL ends the line.
        var nul = line.IndexOf((byte)0);
        if (nul >= 0)
        {
            line = line[..nul];
        }
        consumed = lineLength + 1;
        command = McRequestParser.Parse(line);
        if (command.IsStorage)
        {
            var total = consumed + command.DataLength;
            if (total > maxRequestBytes)
            {
                return McFrameStatus.TooLarge;
            }
            if (buffer.Length < total)
            {
                consumed = 0;
                return McFrameStatus.NeedMore;
            }
            data = buffer.Slice(consumed, command.DataLength);
            consumed = total;
        }
        return McFrameStatus.Request;
    }

    private static bool StartsLikeRetrieval(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[106];
        var n = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, n).CopyTo(head);
        var h = head[..n];
        var spaces = 0;
        while (spaces < h.Length && h[spaces] == (byte)' ')
        {
            spaces++;
        }
        if (spaces > 100)
        {
            return false;
        }
        h = h[spaces..];
        return h.StartsWith("get "u8) || h.StartsWith("gets "u8);
    }

    private static ReadOnlySpan<byte> CopyToScratch(ReadOnlySequence<byte> sequence, ref byte[] scratch)
    {
        var length = checked((int)sequence.Length);
        if (scratch.Length < length)
        {
            scratch = new byte[Math.Max(length, scratch.Length * 2)];
        }
        sequence.CopyTo(scratch);
        return scratch.AsSpan(0, length);
    }
}
