namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// Number parsing with the exact acceptance rules of memcached's safe_strtol / safe_strtoul /
/// safe_strtoull (C strtol semantics: leading C whitespace, optional sign, base 10, trailing
/// whitespace allowed, overflow of the C long rejected). The proxy must accept and reject
/// exactly what memcached does, or replies would desynchronise.
/// </summary>
internal static class CNumber
{
    public static bool IsCSpace(byte b) => b == (byte)' ' || (b >= 9 && b <= 13);

    // Parses like strtoull/strtoll: returns magnitude, sign and whether the end is acceptable.
    private static bool ParseCore(ReadOnlySpan<byte> s, out ulong magnitude, out bool negative, out bool overflow)
    {
        magnitude = 0;
        negative = false;
        overflow = false;
        var i = 0;
        while (i < s.Length && IsCSpace(s[i]))
        {
            i++;
        }
        if (i < s.Length && (s[i] == (byte)'+' || s[i] == (byte)'-'))
        {
            negative = s[i] == (byte)'-';
            i++;
        }
        var digitsStart = i;
        while (i < s.Length && (uint)(s[i] - '0') <= 9)
        {
            var d = (ulong)(s[i] - '0');
            if (magnitude > (ulong.MaxValue - d) / 10)
            {
                overflow = true;
            }
            else
            {
                magnitude = magnitude * 10 + d;
            }
            i++;
        }
        if (i == digitsStart)
        {
            return false; // no conversion: endptr == str
        }
        // The token ends at a space or NUL in C; anything else must be C whitespace.
        return i == s.Length || IsCSpace(s[i]);
    }

    /// <summary>safe_strtol: C long (64-bit) parse, then truncated to int32 as memcached stores it.</summary>
    public static bool SafeStrtol(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        if (!ParseCore(s, out var mag, out var neg, out var overflow) || overflow)
        {
            return false;
        }
        long l;
        if (neg)
        {
            if (mag > (ulong)long.MaxValue + 1)
            {
                return false; // ERANGE
            }
            l = mag == (ulong)long.MaxValue + 1 ? long.MinValue : -(long)mag;
        }
        else
        {
            if (mag > long.MaxValue)
            {
                return false;
            }
            l = (long)mag;
        }
        value = unchecked((int)l);
        return true;
    }

    /// <summary>safe_strtoul: C unsigned long parse; a negative-looking huge value with '-' is rejected.</summary>
    public static bool SafeStrtoul(ReadOnlySpan<byte> s, out uint value)
    {
        value = 0;
        if (!SafeStrtoull(s, out var v))
        {
            return false;
        }
        value = unchecked((uint)v);
        return true;
    }

    /// <summary>safe_strtoull.</summary>
    public static bool SafeStrtoull(ReadOnlySpan<byte> s, out ulong value)
    {
        value = 0;
        if (!ParseCore(s, out var mag, out var neg, out var overflow) || overflow)
        {
            return false;
        }
        var v = neg ? unchecked(0UL - mag) : mag;
        if ((long)v < 0 && s.IndexOf((byte)'-') >= 0)
        {
            return false;
        }
        value = v;
        return true;
    }
}
