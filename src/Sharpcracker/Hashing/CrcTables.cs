namespace Sharpcracker.Hashing;

/// <summary>Lookup tables for the CRC hashes, generated once from their polynomials.</summary>
internal static class CrcTables
{
    /// <summary>CRC-16/XMODEM, MSB-first, polynomial 0x1021: entry i is the CRC of the byte i.</summary>
    public static readonly ushort[] Crc16Xmodem = BuildCrc16(0x1021);

    /// <summary>CRC-32 (IEEE 802.3, zlib), reflected polynomial 0xEDB88320.</summary>
    public static readonly uint[] Crc32Reflected = BuildCrc32(0xEDB88320);

    private static ushort[] BuildCrc16(ushort poly)
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            uint crc = (uint)i << 8;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ poly : crc << 1;
            }
            table[i] = (ushort)crc;
        }
        return table;
    }

    private static uint[] BuildCrc32(uint reflectedPoly)
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint crc = i;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ reflectedPoly : crc >> 1;
            }
            table[i] = crc;
        }
        return table;
    }
}
