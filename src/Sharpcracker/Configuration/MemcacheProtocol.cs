
namespace Sharpcracker.Configuration;

/// <summary>memcached's -B: auto (first byte 0x80 selects binary), text only, or binary only.</summary>
internal enum MemcacheProtocol : byte
{
    Auto,
    Text,
    Binary,
}
