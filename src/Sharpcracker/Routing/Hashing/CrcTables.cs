namespace Sharpcracker.Routing.Hashing;

/// <summary>Lookup tables for the CRC hashes, generated once from their polynomials.</summary>
internal static class CrcTables
{
    /// <summary>CRC-16/XMODEM, MSB-first, polynomial 0x1021: entry i is the CRC of the byte i.</summary>
    public static readonly ushort[] Crc16Xmodem = BuildCrc16(0x1021);

    /// <summary>
    /// CRC-16/XMODEM slicing tables: entry [j][i] is the CRC of the byte i followed by j zero
    /// bytes ([0] is <see cref="Crc16Xmodem"/>), so eight bytes fold in with eight independent loads.
    /// </summary>
    public static readonly ushort[][] Crc16XmodemSlices = BuildCrc16Slices(Crc16Xmodem, 8);

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

    private static ushort[][] BuildCrc16Slices(ushort[] table, int count)
    {
        var slices = new ushort[count][];
        slices[0] = table;
        for (var j = 1; j < count; j++)
        {
            slices[j] = new ushort[256];
            for (var i = 0; i < 256; i++)
            {
                var previous = slices[j - 1][i];
                slices[j][i] = (ushort)((previous << 8) ^ table[previous >> 8]);
            }
        }
        return slices;
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
