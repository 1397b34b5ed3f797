using System.Diagnostics;
using System.Numerics;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// SCAN's one cursor over several servers (camellia's layout): a non-negative 64-bit number with
/// the server's index in the bits just under the sign bit (<see cref="IndexBits"/> wide, fixed by
/// the number of servers scanned) and the server's own cursor in the bits below. The sign bit
/// stays clear, so clients that parse cursors as signed 64-bit integers keep working. With one
/// server the cursor is the server's own. Cursor 0 starts at server 0; a server's 0 moves on to
/// the next server; the last server's 0 is the end.
/// </summary>
internal static class ScanCursor
{
    /// <summary>Bits for the server index: ceil(log2(targets)), at least 1.</summary>
    public static int IndexBits(int targets)
    {
        Debug.Assert(targets > 0, "a scan has at least one server");
        return Math.Max(1, 32 - BitOperations.LeadingZeroCount((uint)(targets - 1)));
    }

    /// <summary>Where the server index starts: the bits below it carry the server's cursor.</summary>
    private static int Shift(int targets) => 63 - IndexBits(targets);

    /// <summary>
    /// Parses a cursor as redis-server does (strtoul base 10: an optional sign, digits; a leading
    /// space, any other byte or a value past 2^64-1 is "invalid cursor"; the empty string is 0).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out ulong cursor)
    {
        cursor = 0;
        if (text.IsEmpty)
        {
            return true; // strtoul converts nothing and stops at the terminator: redis-server takes it as 0
        }
        var negative = false;
        var i = 0;
        if (text[0] is (byte)'+' or (byte)'-')
        {
            negative = text[0] == (byte)'-';
            i = 1;
        }
        if (i == text.Length)
        {
            return false; // a sign without digits: nothing converted, the sign is left over
        }
        for (; i < text.Length; i++)
        {
            var d = (uint)(text[i] - '0');
            if (d > 9)
            {
                return false;
            }
            if (cursor > (ulong.MaxValue - d) / 10)
            {
                return false; // ERANGE
            }
            cursor = cursor * 10 + d;
        }
        if (negative)
        {
            cursor = unchecked(0UL - cursor); // strtoul negates in unsigned arithmetic
        }
        return true;
    }

    /// <summary>Splits a client's cursor; false when its index is not one of the <paramref name="targets"/> servers (or the sign bit is set).</summary>
    public static bool TryDecode(ulong cursor, int targets, out int index, out ulong serverCursor)
    {
        var shift = Shift(targets);
        index = 0;
        serverCursor = 0;
        if (cursor > long.MaxValue || (cursor >> shift) >= (ulong)targets)
        {
            return false;
        }
        index = (int)(cursor >> shift);
        serverCursor = cursor & ((1UL << shift) - 1);
        return true;
    }

    /// <summary>
    /// The client's next cursor after server <paramref name="index"/> answered <paramref name="serverNext"/>;
    /// false when that cursor does not fit under the index bits.
    /// </summary>
    public static bool TryNext(int index, ulong serverNext, int targets, out ulong cursor)
    {
        Debug.Assert(index >= 0 && index < targets, "the index came from TryDecode");
        var shift = Shift(targets);
        cursor = 0;
        if (serverNext == 0)
        {
            // This server is done: the next one from its start, or the end after the last.
            cursor = index + 1 < targets ? (ulong)(index + 1) << shift : 0;
            return true;
        }
        if (serverNext >= 1UL << shift)
        {
            return false;
        }
        cursor = ((ulong)index << shift) | serverNext;
        return true;
    }
}
