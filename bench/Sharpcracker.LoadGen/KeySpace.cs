using System.Buffers.Text;
using System.Text;

namespace Sharpcracker.LoadGen;

/// <summary>Key names (prefix + decimal index) and the key-index distribution. Shared, read-only after construction.</summary>
public sealed class KeySpace
{
    private readonly byte[] _prefix;
    /// <summary>For zipf: cumulative probability of ranks 0..i; null for uniform.</summary>
    private readonly double[]? _cumulative;

    public KeySpace(string prefix, int count, KeyDistribution distribution, double zipfExponent)
    {
        _prefix = Encoding.ASCII.GetBytes(prefix);
        Count = count;
        if (distribution == KeyDistribution.Zipf)
        {
            _cumulative = new double[count];
            double sum = 0;
            for (var i = 0; i < count; i++)
            {
                sum += 1.0 / Math.Pow(i + 1, zipfExponent);
                _cumulative[i] = sum;
            }
            for (var i = 0; i < count; i++)
            {
                _cumulative[i] /= sum;
            }
        }
        MaxKeyLength = _prefix.Length + 11;
    }

    public int Count { get; }
    public int MaxKeyLength { get; }

    /// <summary>A key index drawn from the distribution.</summary>
    public int Next(ref FastRandom random)
    {
        if (_cumulative is null)
        {
            return random.NextInt(Count);
        }
        var u = random.NextDouble();
        var i = Array.BinarySearch(_cumulative, u);
        i = i < 0 ? ~i : i;
        return Math.Min(i, Count - 1);
    }

    public int WriteKey(int index, Span<byte> destination)
    {
        _prefix.CopyTo(destination);
        Utf8Formatter.TryFormat(index, destination[_prefix.Length..], out var digits);
        return _prefix.Length + digits;
    }

    /// <summary>True when name is exactly the key of the given index.</summary>
    public bool IsKey(int index, ReadOnlySpan<byte> name)
    {
        Span<byte> expected = stackalloc byte[MaxKeyLength];
        var n = WriteKey(index, expected);
        return name.SequenceEqual(expected[..n]);
    }
}

/// <summary>xorshift64*: a small, allocation-free generator, one per connection.</summary>
public struct FastRandom(ulong seed)
{
    private ulong _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

    public ulong NextULong()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 2685821657736338717UL;
    }

    public int NextInt(int bound) => (int)((NextULong() >> 32) * (ulong)bound >> 32);

    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));
}
