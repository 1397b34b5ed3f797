using System.Buffers;
using System.Text;

namespace Sharpcracker.Tests.Protocols.Memcached;

/// <summary>One segment of a hand-built multi-segment <see cref="ReadOnlySequence{T}"/>.</summary>
internal sealed class TestSegment : ReadOnlySequenceSegment<byte>
{
    public TestSegment(ReadOnlyMemory<byte> memory)
    {
        Memory = memory;
    }

    public TestSegment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new TestSegment(memory) { RunningIndex = RunningIndex + Memory.Length };
        Next = next;
        return next;
    }
}

internal static class TestBytes
{
    public static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    public static string Text(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    public static string Text(in ReadOnlySequence<byte> b) => Encoding.Latin1.GetString(b.ToArray());

    /// <summary>Splits <paramref name="data"/> at the given ascending offsets into a sequence of separate segments (each its own array).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        var bounds = new List<int> { 0 };
        bounds.AddRange(cuts);
        bounds.Add(data.Length);
        TestSegment? first = null;
        TestSegment? last = null;
        for (var i = 0; i < bounds.Count - 1; i++)
        {
            // Copy each piece into its own array so no segment can see its neighbour's bytes.
            var piece = data.AsSpan(bounds[i], bounds[i + 1] - bounds[i]).ToArray();
            if (last is null)
            {
                first = last = new TestSegment(piece);
            }
            else
            {
                last = last.Append(piece);
            }
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>Replaces {K250}, {K251} style placeholders with that many 'k' bytes.</summary>
    public static string Expand(string s)
    {
        var sb = new StringBuilder();
        var i = 0;
        while (i < s.Length)
        {
            if (s[i] == '{' && i + 1 < s.Length && s[i + 1] == 'K')
            {
                var close = s.IndexOf('}', i);
                var n = int.Parse(s.AsSpan(i + 2, close - i - 2), System.Globalization.CultureInfo.InvariantCulture);
                sb.Append('k', n);
                i = close + 1;
            }
            else
            {
                sb.Append(s[i]);
                i++;
            }
        }
        return sb.ToString();
    }
}
