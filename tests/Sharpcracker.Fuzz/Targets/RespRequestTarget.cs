using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.Fuzz;

/// <summary>
/// The RESP request parser (RespRequestParser) over a stream of client input. The first input byte
/// sets the session: bit 0 not yet authenticated, bit 1 a 64-byte bulk limit (else 512 MB).
/// Properties: consumed ≤ input; NeedMore asks for more than it has and never for more than the
/// whole command turns out to take; every prefix parses as NeedMore or exactly as the whole input
/// does; arguments lie inside the input; an error is one redis-server 7.0 sends, as the bytes it
/// sends (a reply line with no CR or LF in it).
/// </summary>
internal sealed class RespRequestTarget : FuzzTarget
{
    public override string Name => "resp-request";

    public override void Check(ReadOnlySpan<byte> input)
    {
        var flags = input.IsEmpty ? 0 : input[0];
        var authRequired = (flags & 1) != 0;
        var maxBulk = (flags & 2) != 0 ? 64 : RespRequestParser.MaxBulk;
        var data = input.IsEmpty ? default : input[1..];
        var args = new RespArgs();
        var pos = 0;
        do
        {
            var rest = data[pos..];
            var whole = Parse(rest, args, authRequired, maxBulk);
            foreach (var k in Property.SplitPoints(rest.Length))
            {
                var prefix = Parse(rest[..k], args, authRequired, maxBulk);
                if (prefix.Status == RespParseStatus.NeedMore)
                {
                    Property.That(whole.Status != RespParseStatus.Command && whole.Status != RespParseStatus.Empty || prefix.Needed <= whole.Consumed,
                        $"prefix {k} needs {prefix.Needed} bytes but the command takes {whole.Consumed}");
                }
                else if (prefix.Status == RespParseStatus.Error && prefix.Error!.StartsWith("Protocol error: too big ", StringComparison.Ordinal))
                {
                    Property.That(k > RespRequestParser.InlineMax, $"'{prefix.Error}' for {k} bytes");
                }
                else
                {
                    Property.That(prefix == whole, $"prefix {k} parses as {prefix} but the whole input as {whole}");
                }
            }
            if (whole.Status is RespParseStatus.NeedMore or RespParseStatus.Error)
            {
                return;
            }
            pos += whole.Consumed;
        }
        while (pos < data.Length);
    }

    private static RespParse Parse(ReadOnlySpan<byte> data, RespArgs args, bool authRequired, long maxBulk)
    {
        var status = RespRequestParser.Parse(data, args, authRequired, out var consumed, out var needed, out var error, maxBulk);
        switch (status)
        {
            case RespParseStatus.NeedMore:
                Property.That(consumed == 0 && needed > data.Length, $"NeedMore consumed {consumed}, needs {needed} with {data.Length} buffered");
                return new RespParse(status, 0, needed, null, "");
            case RespParseStatus.Error:
                Property.That(error is not null && IsRedisError(error), $"'{error}' is not an error redis-server sends here");
                return new RespParse(status, 0, 0, error, "");
        }
        Property.That(consumed > 0 && consumed <= data.Length && error is null, $"{status} consumed {consumed} of {data.Length}");
        var text = new StringBuilder();
        if (status == RespParseStatus.Command)
        {
            Property.That(args.Count > 0, "a command without arguments");
            for (var i = 0; i < args.Count; i++)
            {
                Property.That(args.Inline || args.Starts[i] + args.Lengths[i] <= consumed, "an argument outside the command's bytes");
                text.Append(Convert.ToHexString(args.Get(i, data))).Append(' ');
            }
        }
        return new RespParse(status, consumed, 0, null, text.ToString());
    }

    private static readonly string[] s_fixedErrors =
    [
        "Protocol error: too big mbulk count string", "Protocol error: invalid multibulk length",
        "Protocol error: unauthenticated multibulk length", "Protocol error: too big bulk count string",
        "Protocol error: invalid bulk length", "Protocol error: unauthenticated bulk length",
        "Protocol error: too big inline request", "Protocol error: unbalanced quotes in request",
    ];

    /// <summary>
    /// Whether <paramref name="error"/>, written by the session's own writer
    /// (RedisReplies.WriteProtocolError), is the reply line redis-server 7.0's networking.c sends:
    /// "-ERR " and one of its fixed texts, or "expected '$', got 'C'" with C the offending byte
    /// itself, one byte on the wire, never CR or LF (addReplyErrorFormat turns them into spaces).
    /// </summary>
    internal static bool IsRedisError(string error)
    {
        var output = new ByteBuffer();
        RedisReplies.WriteProtocolError(output, error);
        var wire = output.Span;
        if (!wire.StartsWith("-ERR "u8) || !wire.EndsWith("\r\n"u8))
        {
            return false;
        }
        var line = wire[5..^2];
        if (line.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
        {
            return false;
        }
        var got = "Protocol error: expected '$', got '"u8;
        if (line.StartsWith(got))
        {
            return line.Length == got.Length + 2 && line[^1] == (byte)'\'';
        }
        var text = Encoding.Latin1.GetString(line);
        return s_fixedErrors.Contains(text);
    }
}
