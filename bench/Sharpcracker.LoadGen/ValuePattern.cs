using System.Buffers.Text;

namespace Sharpcracker.LoadGen;

/// <summary>
/// The value stored under key index k: "v" + k + ":" followed by a fixed filler, padded to the value
/// size. The prefix makes every value say which key it belongs to, so a reply carrying another
/// key's value (a mixed-up reply) fails verification; the filler catches truncation and
/// corruption. The filler is computed once, so writing and checking cost one copy / compare.
/// </summary>
public sealed class ValuePattern
{
    public const int MinimumSize = 16;
    private readonly byte[] _filler;

    public ValuePattern(int size)
    {
        if (size < MinimumSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"values must be at least {MinimumSize} bytes");
        }
        Size = size;
        _filler = new byte[size];
        for (var i = 0; i < size; i++)
        {
            _filler[i] = (byte)('a' + (i * 7 + i / 26) % 26);
        }
    }

    public int Size { get; }

    /// <summary>Writes the value of key index k into destination (exactly Size bytes).</summary>
    public void Write(int keyIndex, Span<byte> destination)
    {
        var p = WritePrefix(keyIndex, destination);
        _filler.AsSpan(p, Size - p).CopyTo(destination[p..]);
    }

    /// <summary>True when value is exactly the value of key index k.</summary>
    public bool Matches(int keyIndex, ReadOnlySpan<byte> value)
    {
        if (value.Length != Size)
        {
            return false;
        }
        Span<byte> prefix = stackalloc byte[MinimumSize];
        var p = WritePrefix(keyIndex, prefix);
        return value[..p].SequenceEqual(prefix[..p]) && value[p..].SequenceEqual(_filler.AsSpan(p));
    }

    private static int WritePrefix(int keyIndex, Span<byte> destination)
    {
        destination[0] = (byte)'v';
        Utf8Formatter.TryFormat(keyIndex, destination[1..], out var digits);
        destination[1 + digits] = (byte)':';
        return digits + 2;
    }
}
