using System.Buffers.Text;

namespace Sharpcracker.LoadGen;

/// <summary>
/// Writes requests and checks replies for one protocol. Parse looks at the bytes received so far
/// for the reply to the oldest outstanding request and returns how many bytes that reply
/// occupies, 0 when it is not complete yet, or -1 when the stream cannot be followed any more
/// (the connection is then abandoned). Wrong-but-framed replies are counted in the tally.
/// </summary>
public abstract class WireCodec(KeySpace keys, ValuePattern values)
{
    protected KeySpace Keys { get; } = keys;
    protected ValuePattern Values { get; } = values;

    public abstract int MaxRequestSize(int keysPerRead);
    public abstract int WriteRead(Span<byte> destination, ReadOnlySpan<int> keyIndexes);
    public abstract int WriteSet(Span<byte> destination, int keyIndex);
    public abstract int ParseRead(ReadOnlySpan<byte> received, ReadOnlySpan<int> keyIndexes, bool verify, ReplyTally tally);
    public abstract int ParseSet(ReadOnlySpan<byte> received, ReplyTally tally);

    /// <summary>Writes what each new connection sends once before any request; 0 = no handshake.</summary>
    public virtual int WriteHandshake(Span<byte> destination) => 0;

    /// <summary>
    /// Length of the complete handshake reply at the start of received, 0 when it is not complete
    /// yet. A reply that refuses the handshake throws HandshakeRefusedException (the run cannot
    /// measure what it was asked to measure).
    /// </summary>
    public virtual int ParseHandshake(ReadOnlySpan<byte> received) => throw new InvalidOperationException("no handshake");

    public static WireCodec Create(WireProtocol protocol, KeySpace keys, ValuePattern values)
        => protocol switch
        {
            WireProtocol.Redis => new RedisCodec(keys, values, resp3: false),
            WireProtocol.Redis3 => new RedisCodec(keys, values, resp3: true),
            WireProtocol.MemcachedBinary => new MemcachedBinaryCodec(keys, values),
            _ => new MemcachedCodec(keys, values),
        };

    protected static int Append(Span<byte> destination, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination);
        return bytes.Length;
    }

    protected static int AppendNumber(Span<byte> destination, long value)
    {
        Utf8Formatter.TryFormat(value, destination, out var n);
        return n;
    }

    /// <summary>Index of the line end (\r\n) at or after start, or -1.</summary>
    protected static int LineEnd(ReadOnlySpan<byte> received, int start)
    {
        var i = received[start..].IndexOf("\r\n"u8);
        return i < 0 ? -1 : start + i;
    }

    protected bool CheckValue(int keyIndex, ReadOnlySpan<byte> data, bool verify, ReplyTally tally)
    {
        tally.Hits++;
        if (!verify)
        {
            return true;
        }
        tally.Verified++;
        if (!Values.Matches(keyIndex, data))
        {
            tally.Error($"value of key #{keyIndex} does not match", data);
            return false;
        }
        return true;
    }
}

/// <summary>memcached text protocol: get/multi-key get and set.</summary>
public sealed class MemcachedCodec(KeySpace keys, ValuePattern values) : WireCodec(keys, values)
{
    public override int MaxRequestSize(int keysPerRead)
        => Math.Max(8 + keysPerRead * (Keys.MaxKeyLength + 1), 40 + Keys.MaxKeyLength + Values.Size);

    public override int WriteRead(Span<byte> d, ReadOnlySpan<int> keyIndexes)
    {
        var n = Append(d, "get"u8);
        foreach (var k in keyIndexes)
        {
            d[n++] = (byte)' ';
            n += Keys.WriteKey(k, d[n..]);
        }
        return n + Append(d[n..], "\r\n"u8);
    }

    public override int WriteSet(Span<byte> d, int keyIndex)
    {
        var n = Append(d, "set "u8);
        n += Keys.WriteKey(keyIndex, d[n..]);
        n += Append(d[n..], " 0 0 "u8);
        n += AppendNumber(d[n..], Values.Size);
        n += Append(d[n..], "\r\n"u8);
        Values.Write(keyIndex, d[n..]);
        n += Values.Size;
        return n + Append(d[n..], "\r\n"u8);
    }

    public override int ParseSet(ReadOnlySpan<byte> r, ReplyTally tally)
    {
        var eol = LineEnd(r, 0);
        if (eol < 0)
        {
            return 0;
        }
        if (!r[..eol].SequenceEqual("STORED"u8))
        {
            tally.Error("set reply", r[..eol]);
        }
        return eol + 2;
    }

    public override int ParseRead(ReadOnlySpan<byte> r, ReadOnlySpan<int> keyIndexes, bool verify, ReplyTally tally)
    {
        var pos = 0;
        var next = 0; // hits come back in request order; next is the first requested key not yet passed
        var hits = 0;
        while (true)
        {
            var eol = LineEnd(r, pos);
            if (eol < 0)
            {
                return 0;
            }
            var line = r[pos..eol];
            if (line.SequenceEqual("END"u8))
            {
                tally.Misses += keyIndexes.Length - hits;
                return eol + 2;
            }
            if (!line.StartsWith("VALUE "u8))
            {
                // One error line (SERVER_ERROR …, CLIENT_ERROR …, ERROR) stands for the whole reply.
                if (hits == 0 && (line.StartsWith("SERVER_ERROR"u8) || line.StartsWith("CLIENT_ERROR"u8) || line.SequenceEqual("ERROR"u8)))
                {
                    tally.Error("get reply", line);
                    return eol + 2;
                }
                tally.Error("unparseable get reply", line);
                return -1;
            }
            // VALUE <key> <flags> <bytes>
            var rest = line[6..];
            var sp = rest.IndexOf((byte)' ');
            if (sp <= 0)
            {
                tally.Error("bad VALUE line", line);
                return -1;
            }
            var key = rest[..sp];
            rest = rest[(sp + 1)..];
            sp = rest.IndexOf((byte)' ');
            if (sp <= 0 || !Utf8Parser.TryParse(rest[(sp + 1)..], out int bytes, out var used) || used != rest.Length - sp - 1)
            {
                tally.Error("bad VALUE line", line);
                return -1;
            }
            var dataStart = eol + 2;
            var end = dataStart + bytes + 2;
            if (r.Length < end)
            {
                return 0;
            }
            if (r[end - 2] != '\r' || r[end - 1] != '\n')
            {
                tally.Error("value not followed by \\r\\n", line);
                return -1;
            }
            while (next < keyIndexes.Length && !Keys.IsKey(keyIndexes[next], key))
            {
                next++;
            }
            if (next == keyIndexes.Length)
            {
                tally.Error("VALUE for a key not asked for (or out of order)", line);
                return -1;
            }
            CheckValue(keyIndexes[next], r.Slice(dataStart, bytes), verify, tally);
            next++;
            hits++;
            pos = end;
        }
    }
}

/// <summary>
/// Redis RESP: GET / MGET and SET. With resp3 every connection first sends `HELLO 3` and requires
/// a RESP3 map that says proto 3; then the requests are the same and the replies are parsed as
/// RESP3: a missing key is `_` (a RESP2 `$-1` is then an error: the proxy must answer a RESP3
/// client in RESP3, its merged MGET included), values are bulk strings, MGET is an array.
/// </summary>
public sealed class RedisCodec(KeySpace keys, ValuePattern values, bool resp3) : WireCodec(keys, values)
{
    public override int WriteHandshake(Span<byte> d) => resp3 ? Append(d, "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"u8) : 0;

    public override int ParseHandshake(ReadOnlySpan<byte> r)
    {
        var n = Resp3Frame.Length(r);
        if (n == 0)
        {
            return 0;
        }
        var eol = r.IndexOf("\r\n"u8);
        var first = System.Text.Encoding.Latin1.GetString(r[..(eol < 0 ? Math.Min(r.Length, 80) : Math.Min(eol, 200))]);
        if (n < 0 || r[0] != '%')
        {
            throw new HandshakeRefusedException($"HELLO 3 answered with '{first}', not a RESP3 map");
        }
        // redis-server 7 (and the proxy) answer with proto as an integer: "proto" => 3.
        if (r[..n].IndexOf("$5\r\nproto\r\n:3\r\n"u8) < 0)
        {
            throw new HandshakeRefusedException("HELLO 3 answered with a map without proto 3");
        }
        return n;
    }

    public override int MaxRequestSize(int keysPerRead)
        => Math.Max(32 + keysPerRead * (Keys.MaxKeyLength + 16), 64 + Keys.MaxKeyLength + Values.Size);

    public override int WriteRead(Span<byte> d, ReadOnlySpan<int> keyIndexes)
    {
        var n = Append(d, "*"u8);
        n += AppendNumber(d[n..], keyIndexes.Length + 1);
        n += Append(d[n..], keyIndexes.Length == 1 ? "\r\n$3\r\nGET\r\n"u8 : "\r\n$4\r\nMGET\r\n"u8);
        Span<byte> key = stackalloc byte[Keys.MaxKeyLength];
        foreach (var k in keyIndexes)
        {
            n += WriteBulk(d[n..], key[..Keys.WriteKey(k, key)]);
        }
        return n;
    }

    public override int WriteSet(Span<byte> d, int keyIndex)
    {
        var n = Append(d, "*3\r\n$3\r\nSET\r\n"u8);
        Span<byte> key = stackalloc byte[Keys.MaxKeyLength];
        n += WriteBulk(d[n..], key[..Keys.WriteKey(keyIndex, key)]);
        n += Append(d[n..], "$"u8);
        n += AppendNumber(d[n..], Values.Size);
        n += Append(d[n..], "\r\n"u8);
        Values.Write(keyIndex, d[n..]);
        n += Values.Size;
        return n + Append(d[n..], "\r\n"u8);
    }

    private static int WriteBulk(Span<byte> d, ReadOnlySpan<byte> bytes)
    {
        var n = Append(d, "$"u8);
        n += AppendNumber(d[n..], bytes.Length);
        n += Append(d[n..], "\r\n"u8);
        n += Append(d[n..], bytes);
        return n + Append(d[n..], "\r\n"u8);
    }

    public override int ParseSet(ReadOnlySpan<byte> r, ReplyTally tally)
    {
        var eol = LineEnd(r, 0);
        if (eol < 0)
        {
            return 0;
        }
        if (!r[..eol].SequenceEqual("+OK"u8))
        {
            tally.Error("set reply", r[..eol]);
        }
        return eol + 2;
    }

    public override int ParseRead(ReadOnlySpan<byte> r, ReadOnlySpan<int> keyIndexes, bool verify, ReplyTally tally)
    {
        if (keyIndexes.Length == 1)
        {
            // GET: a bulk string, a null bulk string, or an error.
            return ParseBulk(r, 0, keyIndexes[0], verify, tally);
        }
        var eol = LineEnd(r, 0);
        if (eol < 0)
        {
            return 0;
        }
        if (r[0] == '-')
        {
            tally.Error("mget reply", r[..eol]);
            return eol + 2;
        }
        if (r[0] != '*' || !Utf8Parser.TryParse(r[1..eol], out int count, out var used) || used != eol - 1)
        {
            tally.Error("unparseable mget reply", r[..eol]);
            return -1;
        }
        if (count != keyIndexes.Length)
        {
            tally.Error($"mget of {keyIndexes.Length} keys answered with {count} elements", r[..eol]);
            return -1;
        }
        var pos = eol + 2;
        foreach (var k in keyIndexes)
        {
            var n = ParseBulk(r[pos..], 0, k, verify, tally);
            if (n <= 0)
            {
                return n;
            }
            pos += n;
        }
        return pos;
    }

    private int ParseBulk(ReadOnlySpan<byte> r, int start, int keyIndex, bool verify, ReplyTally tally)
    {
        var eol = LineEnd(r, start);
        if (eol < 0)
        {
            return 0;
        }
        var line = r[start..eol];
        if (line.Length > 0 && line[0] == '-')
        {
            tally.Error("get reply", line);
            return eol + 2;
        }
        if (resp3 && line.Length == 1 && line[0] == '_')
        {
            tally.Misses++;
            return eol + 2;
        }
        if (line.Length < 2 || line[0] != '$' || !Utf8Parser.TryParse(line[1..], out int bytes, out var used) || used != line.Length - 1)
        {
            tally.Error("unparseable get reply", line);
            return -1;
        }
        if (bytes < 0)
        {
            if (resp3)
            {
                tally.Error("RESP2 null ($-1) in a RESP3 reply", line);
            }
            else
            {
                tally.Misses++;
            }
            return eol + 2;
        }
        var end = eol + 2 + bytes + 2;
        if (r.Length < end)
        {
            return 0;
        }
        if (r[end - 2] != '\r' || r[end - 1] != '\n')
        {
            tally.Error("value not followed by \\r\\n", line);
            return -1;
        }
        CheckValue(keyIndex, r.Slice(eol + 2, bytes), verify, tally);
        return end;
    }
}
