using System.Buffers.Binary;
using System.Buffers.Text;
using Sharpcracker.Common;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// A failover route's TTL cap on an update sent to a later child (mcrouter's failover_exptime):
/// the item expires within <c>cap</c> seconds, and an item that would never expire (TTL 0)
/// expires at the cap. A TTL over 30 days is memcached's absolute Unix time: capped as the
/// seconds left. A negative TTL (already expired) is kept. Rewrites the request's kept bytes.
/// </summary>
internal static class McTtlCap
{
    private const long MaxRelative = 60 * 60 * 24 * 30; // memcached: larger is an absolute time

    public static void Apply(McRequest request, int cap)
    {
        var bytes = request.Command;
        if (request.Kind == McRequestKind.Binary)
        {
            var packet = bytes.Span.ToArray(); // a failover's cold path: one copy
            ApplyBinary(packet, cap);
            bytes.Clear();
            bytes.Write(packet);
            return;
        }
        var span = bytes.Span;
        var eol = span.IndexOf("\r\n"u8);
        if (eol < 0)
        {
            return;
        }
        var line = span[..eol];
        // Text: set/add/replace/append/prepend/cas <key> <flags> <exptime> ...; touch <key> <exptime>. Meta ms: a T flag.
        int token;
        if (line.StartsWith("ms "u8))
        {
            RewriteMeta(bytes, eol, cap);
            return;
        }
        token = line.StartsWith("touch "u8) ? 2 : line.StartsWith("incr "u8) || line.StartsWith("decr "u8) ? -1 : 3;
        if (token < 0)
        {
            return; // arithmetic keeps the item's TTL
        }
        var (start, length) = Token(line, token);
        if (length <= 0 || !Utf8Parser.TryParse(line.Slice(start, length), out long ttl, out var used) || used != length)
        {
            return;
        }
        var capped = Capped(ttl, cap);
        if (capped == ttl)
        {
            return;
        }
        Replace(bytes, start, length, capped.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static long Capped(long ttl, int cap)
    {
        if (ttl < 0)
        {
            return ttl;
        }
        if (ttl == 0)
        {
            return cap;
        }
        var left = ttl > MaxRelative ? ttl - DateTimeOffset.UtcNow.ToUnixTimeSeconds() : ttl;
        return left <= 0 ? ttl : Math.Min(left, cap);
    }

    private static (int Start, int Length) Token(ReadOnlySpan<byte> line, int index)
    {
        var pos = 0;
        for (var i = 0; ; i++)
        {
            while (pos < line.Length && line[pos] == ' ')
            {
                pos++;
            }
            var end = line[pos..].IndexOf((byte)' ');
            end = end < 0 ? line.Length : pos + end;
            if (i == index)
            {
                return (pos, end - pos);
            }
            if (end >= line.Length)
            {
                return (0, 0);
            }
            pos = end;
        }
    }

    /// <summary>ms &lt;key&gt; &lt;datalen&gt; &lt;flags&gt;*: the T flag capped, or T&lt;cap&gt; added (no T: never expires).</summary>
    private static void RewriteMeta(ByteBuffer bytes, int eol, int cap)
    {
        var line = bytes.Span[..eol];
        for (var i = 3; ; i++)
        {
            var (start, length) = Token(line, i);
            if (length <= 0)
            {
                break;
            }
            if (line[start] == (byte)'T')
            {
                if (Utf8Parser.TryParse(line.Slice(start + 1, length - 1), out long ttl, out var used) && used == length - 1)
                {
                    var capped = Capped(ttl, cap);
                    if (capped != ttl)
                    {
                        Replace(bytes, start + 1, length - 1, capped.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
                return;
            }
        }
        Replace(bytes, eol, 0, " T" + cap.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void Replace(ByteBuffer bytes, int start, int length, string text)
    {
        var old = bytes.Span.ToArray(); // a failover's cold path: one copy
        bytes.Clear();
        bytes.Write(old.AsSpan(0, start));
        bytes.Write(System.Text.Encoding.ASCII.GetBytes(text));
        bytes.Write(old.AsSpan(start + length));
    }

    /// <summary>Binary SET/ADD/REPLACE (extras: flags, expiration) and TOUCH/GAT (extras: expiration): the expiration capped in place.</summary>
    private static void ApplyBinary(Span<byte> packet, int cap)
    {
        if (packet.Length < McBinary.HeaderLength + 4)
        {
            return;
        }
        var offset = packet[1] switch
        {
            McBinary.Set or McBinary.Add or McBinary.Replace when packet[4] >= 8 => McBinary.HeaderLength + 4,
            McBinary.Touch or McBinary.Gat or McBinary.GatK when packet[4] >= 4 => McBinary.HeaderLength,
            _ => -1,
        };
        if (offset < 0)
        {
            return;
        }
        var ttl = BinaryPrimitives.ReadUInt32BigEndian(packet[offset..]);
        var capped = Capped((int)ttl, cap);
        BinaryPrimitives.WriteUInt32BigEndian(packet[offset..], (uint)capped);
    }
}
