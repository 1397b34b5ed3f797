using System.Buffers.Binary;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>One parsed binary request header and the decision about it.</summary>
internal readonly struct McBinaryFrame
{
    public McBinaryAction Action { get; init; }
    public byte Opcode { get; init; }
    public ushort Status { get; init; }
    public uint Opaque { get; init; }
    /// <summary>Bytes of input this request takes (for Keyed: the bytes forwarded, header included).</summary>
    public int Consumed { get; init; }
    /// <summary>Bytes after <see cref="Consumed"/> to discard (memcached's conn_swallow).</summary>
    public long Swallow { get; init; }
    public int ExtrasLength { get; init; }
    public int KeyLength { get; init; }
    /// <summary>Value bytes (after extras and key) included in <see cref="Consumed"/>.</summary>
    public int ValueLength { get; init; }
    public int KeyOffset => McBinary.HeaderLength + ExtrasLength;
}
