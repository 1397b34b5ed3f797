namespace Sharpcracker.Protocols.Memcached;

/// <summary>memcached 1.6.18's base64 decoder (base64.c): bytes outside the alphabet are skipped, '=' counts as a digit.</summary>
internal static class McBase64
{
    private static ReadOnlySpan<byte> Alphabet => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8;

    private static int Value(byte c) => c switch
    {
        >= (byte)'A' and <= (byte)'Z' => c - 'A',
        >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
        >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
        (byte)'+' => 62,
        (byte)'/' => 63,
        (byte)'=' => 0,
        _ => -1,
    };

    /// <summary>The decoded length, or 0 when memcached would fail to decode.</summary>
    public static int DecodedLength(ReadOnlySpan<byte> src)
    {
        Span<byte> scratch = stackalloc byte[McRequestParser.KeyMaxLength];
        return src.Length > scratch.Length ? 0 : Decode(src, scratch);
    }

    /// <summary>
    /// Decodes <paramref name="src"/> into <paramref name="dst"/> (at least src.Length bytes) and
    /// returns the decoded length, or 0 on failure, exactly as memcached: the count of alphabet
    /// bytes must be a non-zero multiple of 4; decoding stops after the first group holding '=';
    /// a group with more than two '=' fails.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        var count = 0;
        foreach (var c in src)
        {
            if (Value(c) >= 0)
            {
                count++;
            }
        }
        if (count == 0 || count % 4 != 0)
        {
            return 0;
        }
        var pos = 0;
        var pad = 0;
        var inGroup = 0;
        var group = 0;
        foreach (var c in src)
        {
            var v = Value(c);
            if (v < 0)
            {
                continue;
            }
            if (c == (byte)'=')
            {
                pad++;
            }
            group = (group << 6) | v;
            if (++inGroup < 4)
            {
                continue;
            }
            dst[pos++] = (byte)(group >> 16);
            dst[pos++] = (byte)(group >> 8);
            dst[pos++] = (byte)group;
            inGroup = 0;
            group = 0;
            if (pad > 0)
            {
                if (pad > 2)
                {
                    return 0;
                }
                pos -= pad;
                break;
            }
        }
        return pos;
    }

    /// <summary>Encodes for tests and tools (memcached's alphabet, '=' padding).</summary>
    public static string Encode(ReadOnlySpan<byte> src)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < src.Length; i += 3)
        {
            var n = Math.Min(3, src.Length - i);
            var g = src[i] << 16 | (n > 1 ? src[i + 1] << 8 : 0) | (n > 2 ? src[i + 2] : 0);
            sb.Append((char)Alphabet[(g >> 18) & 63]).Append((char)Alphabet[(g >> 12) & 63]);
            sb.Append(n > 1 ? (char)Alphabet[(g >> 6) & 63] : '=').Append(n > 2 ? (char)Alphabet[g & 63] : '=');
        }
        return sb.ToString();
    }
}
