using System.Text;
using Sharpcracker.Common;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// The write loop's merge of a <see cref="RedisRequestKind.Fanout"/> command's replies, one per
/// server in target order (<see cref="RedisFanout"/> says how). Not a hot path: these are
/// administrative commands (SCAN and KEYS included), so INFO may build text.
/// </summary>
internal static class RedisFanoutMerge
{
    private static ReadOnlySpan<byte> InvalidCursor => "-ERR invalid cursor\r\n"u8;

    /// <summary>Whether a server's reply can be merged; the first that cannot (an error) answers the whole command.</summary>
    public static bool IsMergeable(RedisRequest root, ReadOnlySpan<byte> reply)
    {
        if (reply.IsEmpty)
        {
            return root.Fanout == RedisFanout.Info;
        }
        return root.Fanout switch
        {
            RedisFanout.Scan or RedisFanout.Concat or RedisFanout.ExistsAll => reply[0] == (byte)'*',
            RedisFanout.Sum => reply[0] == (byte)':',
            RedisFanout.AllOk => reply[0] == (byte)'+',
            RedisFanout.RandomKey => reply[0] is (byte)'$' or (byte)'_',
            RedisFanout.Same => reply[0] is not ((byte)'-' or (byte)'!'),
            _ => true, // Kill, Info: every reply counts
        };
    }

    public static bool Merge(ByteBuffer output, RedisRequest root)
    {
        var fragments = root.Fragments;
        switch (root.Fanout)
        {
            case RedisFanout.Scan:
                MergeScan(output, root, fragments[0].Reply.Span);
                break;
            case RedisFanout.Concat:
                {
                    long total = 0;
                    foreach (var f in fragments)
                    {
                        total += ArrayCount(f.Reply.Span);
                    }
                    RedisReplies.WriteInteger(output, '*', total);
                    foreach (var f in fragments)
                    {
                        var reply = f.Reply.Span;
                        output.Write(reply[(reply.IndexOf((byte)'\n') + 1)..]);
                    }
                    break;
                }
            case RedisFanout.Sum:
                {
                    long sum = 0;
                    foreach (var f in fragments)
                    {
                        RespRequestParser.TryParseLong(f.Reply.Span[1..^2], out var n);
                        sum += n;
                    }
                    RedisReplies.WriteInteger(output, ':', sum);
                    break;
                }
            case RedisFanout.AllOk:
                output.Write(fragments[0].Reply.Span);
                break;
            case RedisFanout.Same:
                {
                    var first = fragments[0].Reply.Span;
                    foreach (var f in fragments)
                    {
                        if (!f.Reply.Span.SequenceEqual(first) && !SameElements(f.Reply.Span, first))
                        {
                            output.Write("-ERR the servers' replies differ (a script, function or setting present on some servers only?); run the command on each server to see\r\n"u8);
                            return true;
                        }
                    }
                    output.Write(first);
                    break;
                }
            case RedisFanout.ExistsAll:
                MergeExists(output, root);
                break;
            case RedisFanout.Kill:
                {
                    // A script runs on one server at a time per client: killed where it ran, NOTBUSY elsewhere.
                    foreach (var f in fragments)
                    {
                        if (f.Reply.Span is [(byte)'+', ..])
                        {
                            output.Write(f.Reply.Span);
                            return true;
                        }
                    }
                    output.Write(fragments[0].Reply.Span);
                    break;
                }
            case RedisFanout.RandomKey:
                {
                    var withKey = 0;
                    foreach (var f in fragments)
                    {
                        withKey += HasKey(f.Reply.Span) ? 1 : 0;
                    }
                    if (withKey == 0)
                    {
                        output.Write(fragments[0].Reply.Span); // every server empty: its null, in the client's protocol
                        break;
                    }
                    var pick = Random.Shared.Next(withKey);
                    foreach (var f in fragments)
                    {
                        if (HasKey(f.Reply.Span) && pick-- == 0)
                        {
                            output.Write(f.Reply.Span);
                            break;
                        }
                    }
                    break;
                }
            case RedisFanout.Info:
                MergeInfo(output, root);
                break;
        }
        return true;
    }

    /// <summary>
    /// Two arrays with the same elements in another order (FUNCTION LIST: each server lists its
    /// libraries in its own hash table's order).
    /// </summary>
    private static bool SameElements(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.IsEmpty || b.IsEmpty || a[0] != (byte)'*' || b[0] != (byte)'*' || a.Length != b.Length || ArrayCount(a) != ArrayCount(b))
        {
            return false;
        }
        return Elements(a).SequenceEqual(Elements(b), StringComparer.Ordinal);
    }

    /// <summary>An array's elements as Latin-1 strings, sorted (a comparison key, not for the client).</summary>
    private static List<string> Elements(ReadOnlySpan<byte> array)
    {
        var count = ArrayCount(array);
        var rest = array[(array.IndexOf((byte)'\n') + 1)..];
        var elements = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var length = RespReplyFramer.ElementLength(rest);
            if (length <= 0)
            {
                break;
            }
            elements.Add(Encoding.Latin1.GetString(rest[..length]));
            rest = rest[length..];
        }
        elements.Sort(StringComparer.Ordinal);
        return elements;
    }

    private static bool HasKey(ReadOnlySpan<byte> reply) => reply is [(byte)'$', not (byte)'-', ..];

    /// <summary>"*N\r\n…": N (0 when malformed or nil).</summary>
    private static long ArrayCount(ReadOnlySpan<byte> reply)
    {
        var end = reply.IndexOf((byte)'\r');
        return end > 1 && RespRequestParser.TryParseLong(reply[1..end], out var n) && n > 0 ? n : 0;
    }

    /// <summary>"*2\r\n$len\r\ncursor\r\n*n\r\n…": the cursor re-encoded with the server's index, the keys unchanged.</summary>
    private static void MergeScan(ByteBuffer output, RedisRequest root, ReadOnlySpan<byte> reply)
    {
        var header = reply.IndexOf((byte)'\n') + 1;
        var rest = reply[header..];
        if (!reply.StartsWith("*2\r\n"u8) || rest.IsEmpty || rest[0] != (byte)'$')
        {
            output.Write(reply); // not a SCAN reply: as the server sent it
            return;
        }
        var element = RespReplyFramer.ElementLength(rest);
        var bulk = rest[..element];
        var text = bulk[(bulk.IndexOf((byte)'\n') + 1)..^2];
        if (!ScanCursor.TryParse(text, out var serverNext) || !ScanCursor.TryNext(root.FanoutIndex, serverNext, root.FanoutCount, out var next))
        {
            output.Write(InvalidCursor); // the server's cursor does not fit under the index bits
            return;
        }
        output.Write("*2\r\n"u8);
        Span<byte> digits = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(next, digits, out var n);
        RedisReplies.WriteBulk(output, digits[..n]);
        output.Write(rest[element..]);
    }

    /// <summary>SCRIPT EXISTS: an array of 0/1 per sha; 1 only where every server said 1.</summary>
    private static void MergeExists(ByteBuffer output, RedisRequest root)
    {
        var fragments = root.Fragments;
        var count = ArrayCount(fragments[0].Reply.Span);
        foreach (var f in fragments)
        {
            f.MergeCursor = f.Reply.Span.IndexOf((byte)'\n') + 1;
            if (ArrayCount(f.Reply.Span) != count)
            {
                output.Write("-ERR the servers' SCRIPT EXISTS replies differ in length\r\n"u8);
                return;
            }
        }
        RedisReplies.WriteInteger(output, '*', count);
        for (var i = 0; i < count; i++)
        {
            var all = true;
            foreach (var f in fragments)
            {
                var rest = f.Reply.Span[f.MergeCursor..];
                var length = RespReplyFramer.ElementLength(rest);
                all &= rest.StartsWith(":1\r\n"u8) || rest.StartsWith("#t\r\n"u8);
                f.MergeCursor += length;
            }
            output.Write(all ? ":1\r\n"u8 : ":0\r\n"u8);
        }
    }

    /// <summary>The proxy's text (the root's Reply) with blocked_clients and the servers' keyspace summed.</summary>
    private static void MergeInfo(ByteBuffer output, RedisRequest root)
    {
        var totals = new RedisInfoTotals();
        foreach (var f in root.Fragments)
        {
            if (f.Error is null && !f.Reply.Span.IsEmpty)
            {
                totals.Add(InfoText(f.Reply.Span));
            }
        }
        var own = root.Reply.Span;
        var text = new StringBuilder(own.Length + 256);
        text.Append(Encoding.UTF8.GetString(own[..root.FanoutIndex]));
        totals.AppendClients(text);
        text.Append(Encoding.UTF8.GetString(own[root.FanoutIndex..]));
        totals.AppendKeyspace(text);
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        if (root.FanoutCount == 3)
        {
            RedisReplies.WriteInteger(output, '=', bytes.Length + 4);
            output.Write("txt:"u8);
            output.Write(bytes);
            output.Write(RedisReplies.Crlf);
        }
        else
        {
            RedisReplies.WriteBulk(output, bytes);
        }
    }

    /// <summary>A server's INFO reply (a bulk string, or RESP3's verbatim "txt:" string) as text; empty for anything else.</summary>
    private static string InfoText(ReadOnlySpan<byte> reply)
    {
        if (reply.IsEmpty || reply[0] is not ((byte)'$' or (byte)'='))
        {
            return "";
        }
        var body = reply[(reply.IndexOf((byte)'\n') + 1)..];
        if (body.Length < 2)
        {
            return "";
        }
        body = body[..^2];
        if (reply[0] == (byte)'=' && body.Length >= 4)
        {
            body = body[4..];
        }
        return Encoding.UTF8.GetString(body);
    }
}
