namespace Sharpcracker.Stats;

/// <summary>
/// A counter every worker adds to without an interlocked operation: one slot per worker, each on
/// its own cache line, summed when read. Workers beyond <see cref="Slots"/> share slots and use
/// an interlocked add there (only with more than 64 workers). Slot 0 is padding: the array's
/// header (its length, read by every bounds check) must not share a line with worker 0's slot.
/// </summary>
internal sealed class PerWorkerCounter
{
    private const int Slots = 64;
    private const int Stride = 16; // longs per slot: 128 bytes apart, no false sharing
    private readonly long[] _slots = new long[(Slots + 1) * Stride];

    /// <summary>Worker <paramref name="worker"/>'s thread only.</summary>
    public void Add(int worker, long value)
    {
        if (worker < Slots)
        {
            ref var slot = ref _slots[(worker + 1) * Stride];
            Volatile.Write(ref slot, slot + value);
        }
        else
        {
            Interlocked.Add(ref _slots[((worker % Slots) + 1) * Stride], value);
        }
    }

    public long Sum
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < Slots; i++)
            {
                sum += Volatile.Read(ref _slots[(i + 1) * Stride]);
            }
            return sum;
        }
    }
}
