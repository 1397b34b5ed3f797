namespace Sharpcracker.Hashing;

// STUB: replaced by the hashing work (issue 3).
public static class KeyHasher
{
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

    public static uint Hash(HashKind kind, ReadOnlySpan<byte> key)
    {
        uint h = 0x84222325;
        foreach (var b in key)
        {
            h ^= (uint)(sbyte)b;
            h *= 0x1b3;
        }
        return h;
    }
}
