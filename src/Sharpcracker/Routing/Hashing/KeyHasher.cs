namespace Sharpcracker.Routing.Hashing;

/// <summary>
/// twemproxy 0.5.0 key hashes by <see cref="HashKind"/>, with their config names.
/// </summary>
/// <remarks>
/// <see cref="Hash"/> is the raw hash function, as twemproxy's hashkit computes it, for any key including an
/// empty one. twemproxy's routing never hashes an empty key (it uses 0); that rule lives in
/// <c>KeyRouter</c>.
/// </remarks>
internal static class KeyHasher
{
    /// <summary>Parses a twemproxy <c>hash:</c> value (exact, case-sensitive, as twemproxy compares).</summary>
    public static bool TryParse(string name, out HashKind kind)
    {
        switch (name)
        {
            case "one_at_a_time": kind = HashKind.OneAtATime; return true;
            case "md5": kind = HashKind.Md5; return true;
            case "crc16": kind = HashKind.Crc16; return true;
            case "crc32": kind = HashKind.Crc32; return true;
            case "crc32a": kind = HashKind.Crc32a; return true;
            case "fnv1_64": kind = HashKind.Fnv1_64; return true;
            case "fnv1a_64": kind = HashKind.Fnv1a_64; return true;
            case "fnv1_32": kind = HashKind.Fnv1_32; return true;
            case "fnv1a_32": kind = HashKind.Fnv1a_32; return true;
            case "hsieh": kind = HashKind.Hsieh; return true;
            case "murmur": kind = HashKind.Murmur; return true;
            case "jenkins": kind = HashKind.Jenkins; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>The twemproxy config name of <paramref name="kind"/>; inverse of <see cref="TryParse"/>.</summary>
    public static string Name(HashKind kind) => kind switch
    {
        HashKind.OneAtATime => "one_at_a_time",
        HashKind.Md5 => "md5",
        HashKind.Crc16 => "crc16",
        HashKind.Crc32 => "crc32",
        HashKind.Crc32a => "crc32a",
        HashKind.Fnv1_64 => "fnv1_64",
        HashKind.Fnv1a_64 => "fnv1a_64",
        HashKind.Fnv1_32 => "fnv1_32",
        HashKind.Fnv1a_32 => "fnv1a_32",
        HashKind.Hsieh => "hsieh",
        HashKind.Murmur => "murmur",
        HashKind.Jenkins => "jenkins",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown hash kind"),
    };

    /// <summary>
    /// Hashes <paramref name="key"/> exactly as twemproxy 0.5.0 on x86-64 Linux does (signed-char quirks
    /// included). Allocation-free and thread-safe.
    /// </summary>
    public static uint Hash(HashKind kind, ReadOnlySpan<byte> key) => kind switch
    {
        HashKind.OneAtATime => HashFunctions.OneAtATime(key),
        HashKind.Md5 => Md5.HashLow32(key),
        HashKind.Crc16 => HashFunctions.Crc16(key),
        HashKind.Crc32 => HashFunctions.Crc32(key),
        HashKind.Crc32a => HashFunctions.Crc32a(key),
        HashKind.Fnv1_64 => HashFunctions.Fnv1_64(key),
        HashKind.Fnv1a_64 => HashFunctions.Fnv1a_64(key),
        HashKind.Fnv1_32 => HashFunctions.Fnv1_32(key),
        HashKind.Fnv1a_32 => HashFunctions.Fnv1a_32(key),
        HashKind.Hsieh => HashFunctions.Hsieh(key),
        HashKind.Murmur => HashFunctions.Murmur(key),
        HashKind.Jenkins => HashFunctions.Jenkins(key),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown hash kind"),
    };
}
