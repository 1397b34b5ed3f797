using System.Buffers;
using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Protocols.Memcached;
using static Sharpcracker.Tests.Protocols.Memcached.TestBytes;

namespace Sharpcracker.Tests.Protocols.Memcached;

/// <summary>
/// McMetaParser against memcached 1.6.18's meta handling (proto_text.c). Rows give a request line
/// and the parse result: "Local:&lt;reply&gt;" (plus " swallow=N" when memcached discards the ms data
/// block), or the forwarded kind with what the backend is sent ("sent=[…]"), the key, the quiet
/// handling and whether the key is base64. Every local error text was checked against a running
/// memcached 1.6.18 (see the differential tests, which re-check them on every run).
/// </summary>
public sealed class McMetaParserTests
{
    private static string Describe(string line)
    {
        var command = McRequestParser.Parse(Bytes(line));
        if (command.Kind == McCommandKind.Local)
        {
            return "Local:" + command.Reply + (command.Meta.SwallowLength > 0 ? " swallow=" + command.Meta.SwallowLength : "");
        }
        var output = new ByteBuffer();
        McMetaParser.WriteForward(output, Bytes(line), command, default);
        var sb = new StringBuilder();
        sb.Append(command.Kind).Append(" sent=[").Append(Text(output.Span).TrimEnd('\n').TrimEnd('\r')).Append(']');
        sb.Append(" key=[").Append(line.AsSpan(command.KeyStart, command.KeyLength)).Append(']');
        if (command.IsStorage)
        {
            sb.Append(" data=").Append(command.DataLength);
        }
        if (command.Meta.Quiet != McMetaQuiet.None)
        {
            sb.Append(' ').Append(command.Meta.Quiet);
        }
        if (command.Meta.Base64Key)
        {
            sb.Append(" b64");
        }
        return sb.ToString();
    }

    [Theory]
    // ---- mg ----
    [InlineData("mg k", "MetaGet sent=[mg k] key=[k]")]
    [InlineData("mg k v f t c s k O123 h l u", "MetaGet sent=[mg k v f t c s k O123 h l u] key=[k]")]
    [InlineData("mg k v q", "MetaGet sent=[mg k v] key=[k] HideMiss")]
    [InlineData("mg k q v", "MetaGet sent=[mg k v] key=[k] HideMiss")]
    [InlineData("mg k quiet v", "MetaGet sent=[mg k v] key=[k] HideMiss")]
    [InlineData("mg   k  q   v ", "MetaGet sent=[mg   k    v ] key=[k] HideMiss")]
    [InlineData("mg Zm9v b v", "MetaGet sent=[mg Zm9v b v] key=[Zm9v] b64")]
    [InlineData("mg k N30 T10 R5 Pp Lx", "MetaGet sent=[mg k N30 T10 R5 Pp Lx] key=[k]")]
    [InlineData("mg k O" + "12345678901234567890123456789012345", "MetaGet sent=[mg k O12345678901234567890123456789012345] key=[k]")]
    [InlineData("mg {K250} v", "MetaGet sent=[mg {K250} v] key=[{K250}]")]
    [InlineData("mg", "Local:Error")]
    [InlineData("mg {K251}", "Local:BadFormat")]
    [InlineData("mg k v v", "Local:MetaDuplicateFlag")]
    [InlineData("mg k x", "Local:MetaInvalidFlag")]
    [InlineData("mg k E5", "Local:MetaInvalidFlag")]
    [InlineData("mg k \u00c3", "Local:MetaDuplicateFlag")]
    [InlineData("mg k \u007f", "Local:MetaDuplicateFlag")]
    [InlineData("mg k N", "Local:MetaBadToken")]
    [InlineData("mg k Tx", "Local:MetaBadToken")]
    [InlineData("mg k Fx", "Local:BadFormat")]
    [InlineData("mg k Fx Nx", "Local:MetaBadToken")]
    [InlineData("mg k Nx Mxx", "Local:MetaModeLength")]
    [InlineData("mg k Mxx v v", "Local:MetaDuplicateFlag")]
    [InlineData("mg k Jx", "Local:MetaInvalidInitial")]
    [InlineData("mg k Dx", "Local:MetaInvalidDelta")]
    [InlineData("mg k C-1", "Local:MetaBadToken")]
    [InlineData("mg !!! b", "Local:MetaKeyDecode")]
    [InlineData("mg A=== b", "Local:MetaKeyDecode")]
    [InlineData("mg k a b c d e f g h i j l m n o p r s", "Local:MetaInvalidFlag")]
    [InlineData("mg k a b c d e f g h i j l m n o p r s t", "Local:MetaGetFlagsTooLong")]
    // ---- ms ----
    [InlineData("ms k 2", "MetaSet sent=[ms k 2] key=[k] data=4")]
    [InlineData("ms k 0 T0 F5 c k O1 I MA", "MetaSet sent=[ms k 0 T0 F5 c k O1 I MA] key=[k] data=2")]
    [InlineData("ms k 2 q", "MetaSet sent=[ms k 2] key=[k] data=4 HideStored")]
    [InlineData("ms k 2 q ME", "MetaSet sent=[ms k 2 ME] key=[k] data=4 HideStored")]
    [InlineData("ms Zm9v 2 b", "MetaSet sent=[ms Zm9v 2 b] key=[Zm9v] data=4 b64")]
    [InlineData("ms k 2147483645", "MetaSet sent=[ms k 2147483645] key=[k] data=2147483647")]
    [InlineData("ms", "Local:Error")]
    [InlineData("ms k", "Local:BadFormat")]
    [InlineData("ms {K251} 2", "Local:BadFormat")]
    [InlineData("ms k x", "Local:BadFormat")]
    [InlineData("ms k -1", "Local:BadFormat")]
    [InlineData("ms k 2147483646", "Local:BadFormat")]
    [InlineData("ms k 2 a b c d e f g h i j l m n o p r s", "Local:MetaFlagsTooLong")]
    [InlineData("ms k 2 x", "Local:MetaInvalidFlag swallow=4")]
    [InlineData("ms k 2 T1 T2", "Local:MetaDuplicateFlag swallow=4")]
    [InlineData("ms k 2 Tx", "Local:MetaBadToken swallow=4")]
    [InlineData("ms k 2 Fx", "Local:BadFormat swallow=4")]
    [InlineData("ms k 2 c Mx Fx", "Local:BadFormat swallow=4")]
    [InlineData("ms k 2 Mz", "Local:MetaSetInvalidMode swallow=4")]
    [InlineData("ms k 2 O123456789012345678901234567890123", "Local:MetaOpaqueTooLong swallow=4")]
    [InlineData("ms k 2 O123456789012345678901234567890123 Mz", "Local:MetaSetInvalidMode swallow=4")]
    [InlineData("ms k 2 O1234567890123456789012345678901", "MetaSet sent=[ms k 2 O1234567890123456789012345678901] key=[k] data=4")]
    [InlineData("ms k 2 E5", "Local:MetaInvalidFlag swallow=4")]
    [InlineData("ms !!! 2 b", "Local:MetaKeyDecode swallow=4")]
    // ---- md ----
    [InlineData("md k", "MetaDelete sent=[md k] key=[k]")]
    [InlineData("md k q I T30 C5 O1 k", "MetaDelete sent=[md k I T30 C5 O1 k] key=[k] HideStored")]
    [InlineData("md", "Local:Error")]
    [InlineData("md {K251}", "Local:BadFormat")]
    [InlineData("md k x", "Local:MetaInvalidOrDuplicateFlag")]
    [InlineData("md k k k", "Local:MetaInvalidOrDuplicateFlag")]
    [InlineData("md k Tx", "Local:MetaInvalidOrDuplicateFlag")]
    [InlineData("md k O123456789012345678901234567890123", "Local:MetaOpaqueTooLong")]
    [InlineData("md k a b c d e f g h i j l m n o p r s t", "Local:MetaFlagsTooLong")]
    // ---- ma ----
    [InlineData("ma k", "MetaArithmetic sent=[ma k] key=[k]")]
    [InlineData("ma k MD D5 v t c", "MetaArithmetic sent=[ma k MD D5 v t c] key=[k]")]
    [InlineData("ma k q v", "MetaArithmetic sent=[ma k v] key=[k] HideSuccess")]
    [InlineData("ma k q N0 J5 v", "MetaArithmetic sent=[ma k q N0 J5 v\r\nmn] key=[k] Sentinel")]
    [InlineData("ma k N0 J5 v", "MetaArithmetic sent=[ma k N0 J5 v] key=[k]")]
    [InlineData("ma k M+", "MetaArithmetic sent=[ma k M+] key=[k]")]
    [InlineData("ma k M-", "MetaArithmetic sent=[ma k M-] key=[k]")]
    [InlineData("ma k MI", "MetaArithmetic sent=[ma k MI] key=[k]")]
    [InlineData("ma k O123456789012345678901234567890123", "MetaArithmetic sent=[ma k O123456789012345678901234567890123] key=[k]")]
    [InlineData("ma", "Local:Error")]
    [InlineData("ma {K251}", "Local:BadFormat")]
    [InlineData("ma k Mz", "Local:MetaArithmeticInvalidMode")]
    [InlineData("ma k MS", "Local:MetaArithmeticInvalidMode")]
    [InlineData("ma k Dx", "Local:MetaInvalidOrDuplicateFlag")]
    [InlineData("ma k MII", "Local:MetaInvalidOrDuplicateFlag")]
    // ---- mn, me, unknown ----
    [InlineData("mn", "Local:MetaNoop")]
    [InlineData("mn a b c", "Local:MetaNoop")]
    [InlineData("me k", "MetaDebug sent=[me k] key=[k]")]
    [InlineData("me k q", "MetaDebug sent=[me k q] key=[k]")]
    [InlineData("me Zm9v b", "MetaDebug sent=[me Zm9v b] key=[Zm9v] b64")]
    [InlineData("me Zm9v bb", "MetaDebug sent=[me Zm9v bb] key=[Zm9v]")]
    [InlineData("me !!! b", "Local:BadFormat")]
    [InlineData("me", "Local:BadFormat")]
    [InlineData("me {K251}", "Local:BadFormat")]
    [InlineData("mz k", "Local:Error")]
    [InlineData("mx", "Local:Error")]
    [InlineData("mgx k", "Local:Error")]
    [InlineData("MG k", "Local:Error")]
    public void ParsesLikeMemcached(string line, string expected)
    {
        Assert.Equal(Expand(expected), Describe(Expand(line)));
    }

    [Theory]
    [InlineData("Zm9v", "foo")]
    [InlineData("Zm9vYg==", "foob")]
    [InlineData("Zm9vYmE=", "fooba")]
    [InlineData("YQ==", "a")]
    [InlineData("Zm9v!!", "foo")]
    [InlineData("Z.m9v", "foo")]
    [InlineData("YQ==Zm9v", "a")]
    [InlineData("=AAA", "\0\0")]
    [InlineData("A===", null)]
    [InlineData("====", null)]
    [InlineData("abc", null)]
    [InlineData("!!!!", null)]
    [InlineData("Zm9vY", null)]
    public void Base64DecodesLikeMemcached(string encoded, string? decoded)
    {
        var dst = new byte[encoded.Length];
        var n = McBase64.Decode(Bytes(encoded), dst);
        if (decoded is null)
        {
            Assert.Equal(0, n);
        }
        else
        {
            Assert.Equal(decoded, Text(dst.AsSpan(0, n)));
        }
        Assert.Equal(n, McBase64.DecodedLength(Bytes(encoded)));
    }

    [Fact]
    public void Base64RoundTripsEveryLength()
    {
        var random = new Random(5);
        for (var len = 1; len < 100; len++)
        {
            var bytes = new byte[len];
            random.NextBytes(bytes);
            var encoded = Bytes(McBase64.Encode(bytes));
            Assert.Equal(Convert.ToBase64String(bytes), Text(encoded));
            var dst = new byte[encoded.Length];
            Assert.Equal(bytes, dst.AsSpan(0, McBase64.Decode(encoded, dst)).ToArray());
        }
    }

    // ---- framing a pipelined buffer of meta requests ----

    private static readonly (string Request, string Framed)[] Pipeline =
    [
        ("ms a 5 T0 F3 q O1\r\nhello\r\n", "MetaSet line=[ms a 5 T0 F3 q O1] data=[hello\r\n]"),
        ("mg a v f q O2 k\r\n", "MetaGet line=[mg a v f q O2 k]"),
        ("ms Zm9v 6 b\r\na\r\nb\r\n\r\n", "MetaSet line=[ms Zm9v 6 b] data=[a\r\nb\r\n\r\n]"),
        ("md a q\r\n", "MetaDelete line=[md a q]"),
        ("ma n q N0 J5 v\r\n", "MetaArithmetic line=[ma n q N0 J5 v]"),
        ("ms bad 2\r\nhiXY", "MetaSet line=[ms bad 2] data=[hiXY]"),
        ("mn\r\n", "Local:MetaNoop line=[mn]"),
        // A local ms error: the framer takes the line; the session then swallows 3+2 bytes.
        ("ms k 3 Tx\r\n", "Local:MetaBadToken line=[ms k 3 Tx]"),
        ("me a\n", "MetaDebug line=[me a]"),
        ("ms k x\r\n", "Local:BadFormat line=[ms k x]"),
        ("ms e 0\r\n\r\n", "MetaSet line=[ms e 0] data=[\r\n]"),
        ("get a\r\n", "Get line=[get a]"),
        ("mg\r\n", "Local:Error line=[mg]"),
    ];

    private static List<string> FrameAll(ReadOnlySequence<byte> buffer)
    {
        var results = new List<string>();
        byte[] scratch = [];
        while (true)
        {
            var status = McRequestFramer.TryFrame(buffer, ref scratch, long.MaxValue, out var command, out var line, out var data, out var consumed);
            if (status != McFrameStatus.Request)
            {
                results.Add(status + " consumed=" + consumed);
                return results;
            }
            var sb = new StringBuilder(command.Kind == McCommandKind.Local ? "Local:" + command.Reply : command.Kind.ToString());
            sb.Append(" line=[").Append(Text(line)).Append(']');
            if (!data.IsEmpty)
            {
                sb.Append(" data=[").Append(Text(data)).Append(']');
            }
            results.Add(sb.Append(" consumed=").Append(consumed).ToString());
            buffer = buffer.Slice(consumed);
        }
    }

    [Fact]
    public void PipelineSplitAtEveryByteFramesTheSame()
    {
        var bytes = Bytes(string.Concat(Pipeline.Select(p => p.Request)) + "mg partial");
        var expected = Pipeline.Select(p => $"{p.Framed} consumed={Encoding.Latin1.GetByteCount(p.Request)}").Append("NeedMore consumed=0").ToList();
        Assert.Equal(expected, FrameAll(new ReadOnlySequence<byte>(bytes)));
        for (var i = 0; i <= bytes.Length; i++)
        {
            Assert.Equal(expected, FrameAll(Split(bytes, i)));
        }
        Assert.Equal(expected, FrameAll(Split(bytes, Enumerable.Range(1, bytes.Length - 1).ToArray())));
    }

    [Fact]
    public void EveryStrictPrefixOfAMetaRequestNeedsMore()
    {
        foreach (var (request, framed) in Pipeline)
        {
            var bytes = Bytes(request);
            for (var n = 0; n < bytes.Length; n++)
            {
                byte[] scratch = [];
                var status = McRequestFramer.TryFrame(new ReadOnlySequence<byte>(bytes.AsSpan(0, n).ToArray()), ref scratch, long.MaxValue, out _, out _, out _, out var consumed);
                Assert.True(status == McFrameStatus.NeedMore && consumed == 0, $"{framed}: prefix of {n} bytes gave {status}");
            }
        }
    }
}
