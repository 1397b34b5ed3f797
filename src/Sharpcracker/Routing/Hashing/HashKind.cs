namespace Sharpcracker.Routing.Hashing;

/// <summary>The twelve key hash functions twemproxy 0.5.0 offers, by their config names.</summary>
internal enum HashKind
{
    OneAtATime,
    Md5,
    Crc16,
    Crc32,
    Crc32a,
    Fnv1_64,
    Fnv1a_64,
    Fnv1_32,
    Fnv1a_32,
    Hsieh,
    Murmur,
    Jenkins,
}
