using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Sharpcracker.Fuzz;

/// <summary>Assertions of the fuzz targets: a failure throws <see cref="FuzzPropertyException"/>.</summary>
internal static class Property
{
    public static void That([DoesNotReturnIf(false)] bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzPropertyException(what);
        }
    }

    public static void That([DoesNotReturnIf(false)] bool condition, [InterpolatedStringHandlerArgument(nameof(condition))] ref PropertyMessage what)
    {
        if (!condition)
        {
            throw new FuzzPropertyException(what.ToStringAndClear());
        }
    }

    /// <summary>The split points to check for an input of <paramref name="length"/> bytes: every one
    /// up to 2 KiB, then a stride (a long input still costs O(n) splits, not more).</summary>
    public static IEnumerable<int> SplitPoints(int length)
    {
        var step = length <= 2048 ? 1 : length / 1024;
        for (var k = 1; k < length; k += step)
        {
            yield return k;
        }
    }

    /// <summary>
    /// A framer's answer for every prefix of <paramref name="data"/> is "incomplete" (0) or its answer
    /// for the whole (<paramref name="whole"/>): more bytes never turn malformed into complete or a
    /// complete reply into another length, and no prefix is complete where the whole is not.
    /// </summary>
    public static void PrefixesAgree(ReadOnlySpan<byte> data, int whole, FrameFunction frame)
    {
        That(whole >= -1 && whole <= data.Length, $"frame length {whole} of {data.Length}");
        foreach (var k in SplitPoints(data.Length))
        {
            var prefix = frame(data[..k]);
            if (prefix != 0 && prefix != whole)
            {
                throw new FuzzPropertyException($"prefix {k} frames as {prefix} but the whole input as {whole}");
            }
        }
    }
}
