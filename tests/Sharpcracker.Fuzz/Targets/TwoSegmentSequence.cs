using System.Buffers;

namespace Sharpcracker.Fuzz;

/// <summary>Input cut in two buffer segments at a split point, as two socket reads would leave it.</summary>
internal sealed class TwoSegmentSequence : ReadOnlySequenceSegment<byte>
{
    private TwoSegmentSequence(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Split(byte[] data, int at)
    {
        if (at <= 0 || at >= data.Length)
        {
            return new ReadOnlySequence<byte>(data);
        }
        var first = new TwoSegmentSequence(data.AsMemory(0, at), 0);
        var second = new TwoSegmentSequence(data.AsMemory(at), at);
        first.Next = second;
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }
}
