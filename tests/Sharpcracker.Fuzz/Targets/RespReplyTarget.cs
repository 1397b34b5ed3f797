using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.Fuzz;

/// <summary>
/// The RESP2/RESP3 reply framer (RespReplyFramer) on a backend's byte stream. Properties: a result
/// is -1, 0 or a length within the input; every prefix frames as incomplete or as the whole input
/// does; framing resumed with its (scan, remaining) state over growing input ends where framing
/// all of it at once does; a complete reply has the length a recursive reading of the RESP grammar
/// gives (<see cref="ReferenceLength"/>), and so has ElementLength.
/// </summary>
internal sealed class RespReplyTarget : FuzzTarget
{
    /// <summary>Deeper replies are framed but not compared with the recursive reading (its stack).</summary>
    private const int MaxReferenceDepth = 1000;

    public override string Name => "resp-reply";

    public override void Check(ReadOnlySpan<byte> data)
    {
        do
        {
            var whole = FrameOnce(data);
            Property.PrefixesAgree(data, whole, FrameOnce);
            var scan = 0;
            long remaining = 0;
            var resumed = 0;
            foreach (var k in Property.SplitPoints(data.Length))
            {
                resumed = RespReplyFramer.Frame(data[..k], ref scan, ref remaining);
                Property.That(scan >= 0 && scan <= k, $"scan offset {scan} past {k} bytes");
                if (resumed != 0)
                {
                    break;
                }
            }
            if (resumed == 0)
            {
                resumed = RespReplyFramer.Frame(data, ref scan, ref remaining);
            }
            Property.That(resumed == whole, $"resumed framing gives {resumed}, framing at once {whole}");
            var reference = ReferenceLength(data, 0, 0);
            Property.That(reference == Unknown || reference == whole, $"the framer says {whole}, the grammar {reference}");
            if (whole <= 0)
            {
                return;
            }
            Property.That(RespReplyFramer.ElementLength(data) == whole, "ElementLength differs from Frame");
            data = data[whole..];
        }
        while (!data.IsEmpty);
    }

    private static int FrameOnce(ReadOnlySpan<byte> data)
    {
        var scan = 0;
        long remaining = 0;
        return RespReplyFramer.Frame(data, ref scan, ref remaining);
    }

    private const int Unknown = int.MinValue;

    /// <summary>
    /// The length of the reply at <paramref name="pos"/> read recursively from the RESP3 spec: 0 if
    /// incomplete, -1 if malformed, <see cref="Unknown"/> past the depth limit. Lines end in CRLF;
    /// lengths and counts are redis string2ll numbers; $ = ! carry a payload and CRLF; * ~ > % |
    /// hold 1 or 2 elements per count (an attribute's value follows it); -1 is null.
    /// </summary>
    private static int ReferenceLength(ReadOnlySpan<byte> data, int pos, int depth)
    {
        if (depth > MaxReferenceDepth)
        {
            return Unknown;
        }
        if (pos >= data.Length)
        {
            return 0;
        }
        var nl = data[pos..].IndexOf((byte)'\n');
        if (nl < 0)
        {
            return 0;
        }
        if (nl < 2 || data[pos + nl - 1] != (byte)'\r')
        {
            return -1;
        }
        var header = data[(pos + 1)..(pos + nl - 1)];
        var next = pos + nl + 1;
        var type = data[pos];
        switch (type)
        {
            case (byte)'+' or (byte)'-' or (byte)':' or (byte)'_' or (byte)'#' or (byte)',' or (byte)'(':
                return next - pos;
            case (byte)'$' or (byte)'=' or (byte)'!':
                {
                    if (!RespRequestParser.TryParseLong(header, out var length) || length < -1)
                    {
                        return -1;
                    }
                    if (length == -1)
                    {
                        return next - pos;
                    }
                    var end = (long)next + length + 2;
                    if (end > int.MaxValue)
                    {
                        return -1;
                    }
                    if (end > data.Length)
                    {
                        return 0;
                    }
                    return data[(int)end - 2] == (byte)'\r' && data[(int)end - 1] == (byte)'\n' ? (int)end - pos : -1;
                }
            case (byte)'*' or (byte)'~' or (byte)'>' or (byte)'%' or (byte)'|':
                {
                    if (!RespRequestParser.TryParseLong(header, out var count) || count < -1 || count > int.MaxValue)
                    {
                        return -1;
                    }
                    var elements = count <= 0 ? 0 : type is (byte)'%' or (byte)'|' ? 2 * count : count;
                    if (type == (byte)'|')
                    {
                        elements++; // the annotated value
                    }
                    var at = next;
                    for (var i = 0L; i < elements; i++)
                    {
                        var n = ReferenceLength(data, at, depth + 1);
                        if (n <= 0 || n == Unknown)
                        {
                            return n;
                        }
                        at += n;
                    }
                    return at - pos;
                }
            default:
                return -1;
        }
    }
}
