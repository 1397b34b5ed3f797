using Sharpcracker.Protocols.Memcached;

namespace Sharpcracker.Fuzz;

/// <summary>
/// The binary request parser (McBinaryParser) over a stream of packets. The first input byte sets
/// the session: bit 0 SASL on, bit 1 authenticated, bit 2 a 100-byte request_size_limit (else 1 MiB).
/// Properties: nothing is decided before the bytes it depends on are buffered (every prefix is
/// NeedMore or the same decision, and once Consumed bytes are there it is the same); Consumed lies
/// within the input and covers header, extras and key; errors carry one of memcached's statuses;
/// a forwarded request's value length is its body length less extras and key.
/// </summary>
internal sealed class McBinaryTarget : FuzzTarget
{
    public override string Name => "mc-binary";

    public override void Check(ReadOnlySpan<byte> input)
    {
        var flags = input.IsEmpty ? 0 : input[0];
        var sasl = (flags & 1) != 0;
        var authenticated = (flags & 2) != 0 || !sasl;
        long limit = (flags & 4) != 0 ? 100 : 1024 * 1024;
        var data = input.IsEmpty ? default : input[1..];
        var pos = 0L;
        do
        {
            var rest = data[(int)pos..];
            var frame = McBinaryParser.Parse(rest, sasl, authenticated, limit);
            foreach (var k in Property.SplitPoints(rest.Length + 1))
            {
                var early = McBinaryParser.Parse(rest[..k], sasl, authenticated, limit);
                if (early.Action == McBinaryAction.NeedMore)
                {
                    Property.That(early.Equals(default(McBinaryFrame)), "NeedMore with a decision attached");
                    Property.That(frame.Action == McBinaryAction.NeedMore || k < frame.Consumed || frame.Action == McBinaryAction.Close,
                        $"prefix {k} needs more although the {frame.Action} decision takes {frame.Consumed} bytes");
                }
                else
                {
                    Property.That(early.Equals(frame), $"prefix {k} decides {early.Action} but the whole input {frame.Action}");
                }
            }
            if (frame.Action == McBinaryAction.NeedMore)
            {
                Property.That(frame.Equals(default(McBinaryFrame)), "NeedMore with a decision attached");
                return;
            }
            if (frame.Action == McBinaryAction.Close)
            {
                Property.That(rest[0] != McBinary.RequestMagic, "a request packet closed without a reply");
                return;
            }
            Property.That(frame.Consumed >= McBinary.HeaderLength + frame.ExtrasLength + frame.KeyLength && frame.Consumed <= rest.Length,
                $"consumed {frame.Consumed} of {rest.Length}");
            Property.That(frame.Swallow >= 0, "negative swallow");
            Property.That(frame.Opcode == rest[1] && frame.Opaque == McBinary.Opaque(rest), "opcode or opaque not echoed");
            switch (frame.Action)
            {
                case McBinaryAction.Error or McBinaryAction.ErrorThenClose or McBinaryAction.TooLarge:
                    Property.That(frame.Status is McBinary.UnknownCommand or McBinary.AuthError or McBinary.InvalidArguments or McBinary.TooLarge,
                        $"status 0x{frame.Status:x} is not one memcached sends for a refused request");
                    break;
                case McBinaryAction.Keyed:
                    Property.That(frame.KeyLength is > 0 and <= McBinary.KeyMaxLength, $"key length {frame.KeyLength}");
                    Property.That(frame.Consumed == McBinary.HeaderLength + frame.ExtrasLength + frame.KeyLength + frame.ValueLength, "forwarded bytes are not header, extras, key and value");
                    Property.That(frame.ValueLength <= limit, "a value over the limit is forwarded");
                    break;
                default:
                    Property.That(frame.Status == McBinary.Success, $"{frame.Action} with status 0x{frame.Status:x}");
                    break;
            }
            if (frame.Action is McBinaryAction.ErrorThenClose or McBinaryAction.Quit)
            {
                return;
            }
            pos += frame.Consumed + frame.Swallow;
        }
        while (pos < data.Length);
    }
}
