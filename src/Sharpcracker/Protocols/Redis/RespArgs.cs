using Sharpcracker.Common;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// The arguments of one parsed command. For a RESP array they are offsets into the parsed data
/// (so forwarding can copy the original bytes once); an inline command's arguments are unquoted
/// into <see cref="Owned"/>. Reused for every command of a session.
/// </summary>
internal sealed class RespArgs
{
    public int Count;
    public bool Inline;
    // Four fit GET/SET and most commands; longer ones grow them once per client (memory per client).
    public int[] Starts = new int[4];
    public int[] Lengths = new int[4];
    public readonly ByteBuffer Owned = new();

    public void Reset(bool inline)
    {
        Count = 0;
        Inline = inline;
        Owned.Clear();
    }

    public void Add(int start, int length)
    {
        if (Count == Starts.Length)
        {
            Array.Resize(ref Starts, Count * 2);
            Array.Resize(ref Lengths, Count * 2);
        }
        Starts[Count] = start;
        Lengths[Count] = length;
        Count++;
    }

    /// <summary>Argument <paramref name="i"/>; <paramref name="data"/> is the span the command was parsed from.</summary>
    public ReadOnlySpan<byte> Get(int i, ReadOnlySpan<byte> data)
        => (Inline ? Owned.Span : data).Slice(Starts[i], Lengths[i]);
}
