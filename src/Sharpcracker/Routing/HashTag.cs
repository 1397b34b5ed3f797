namespace Sharpcracker.Routing;

/// <summary>
/// A pool's <c>hash_tag</c>: two delimiter bytes (possibly equal), or none (<c>default</c>).
/// </summary>
internal readonly struct HashTag
{
    public HashTag(byte open, byte close)
    {
        Open = open;
        Close = close;
        IsSet = true;
    }

    public byte Open { get; }

    public byte Close { get; }

    /// <summary>False only for <see cref="None"/> / <c>default</c>.</summary>
    public bool IsSet { get; }

    public static HashTag None => default;

    /// <summary>
    /// The part of <paramref name="key"/> to hash: after the first <see cref="Open"/> byte, up to the first
    /// <see cref="Close"/> byte after it, when that inner part is non-empty; otherwise the whole key.
    /// Like twemproxy, a missing close after the first open does not make it look for a later open.
    /// </summary>
    public ReadOnlySpan<byte> Apply(ReadOnlySpan<byte> key)
    {
        if (!IsSet)
        {
            return key;
        }

        int open = key.IndexOf(Open);
        if (open < 0)
        {
            return key;
        }

        ReadOnlySpan<byte> after = key.Slice(open + 1);
        int close = after.IndexOf(Close);
        return close > 0 ? after.Slice(0, close) : key;
    }

    public override string ToString() => IsSet ? $"{(char)Open}{(char)Close}" : "";
}
