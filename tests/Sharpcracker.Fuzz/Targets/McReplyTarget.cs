using Sharpcracker.Protocols.Memcached;

namespace Sharpcracker.Fuzz;

/// <summary>
/// The memcached reply framers (McReplyFramer, McMetaReplyFramer) on a backend's byte stream. The
/// first input byte picks what the proxy expects: 0 a one-line reply, 1 a retrieval reply, 2-6 a
/// meta reply under each <see cref="McMetaQuiet"/> mode. Properties: a result is -1, 0 or a length
/// within the input; every prefix frames as incomplete or as the whole input does (a prefix never
/// calls malformed what more bytes make whole, nor the reverse); retrieval framing resumed with
/// its scan offset over growing input ends where framing all of it at once does; a complete
/// reply ends in CRLF (retrieval: END or an error line); the visible part of a meta reply is a prefix of it.
/// </summary>
internal sealed class McReplyTarget : FuzzTarget
{
    public override string Name => "mc-reply";

    public override void Check(ReadOnlySpan<byte> input)
    {
        var mode = input.IsEmpty ? 0 : input[0] % 7;
        var data = input.IsEmpty ? default : input[1..];
        do
        {
            var whole = Frame(mode, data);
            Property.PrefixesAgree(data, whole, d => Frame(mode, d));
            if (mode == 1)
            {
                // Bytes arriving in growing reads, the scan offset carried from call to call.
                var scanned = 0;
                var resumed = 0;
                foreach (var k in Property.SplitPoints(data.Length + 1))
                {
                    resumed = McReplyFramer.FrameRetrieval(data[..k], ref scanned);
                    Property.That(scanned >= 0 && scanned <= k, $"scan offset {scanned} past {k} bytes");
                    if (resumed != 0)
                    {
                        break;
                    }
                }
                if (resumed == 0)
                {
                    resumed = McReplyFramer.FrameRetrieval(data, ref scanned);
                }
                Property.That(resumed == whole, $"resumed framing gives {resumed}, framing at once {whole}");
            }
            if (whole <= 0)
            {
                return;
            }
            var reply = data[..whole];
            Property.That(reply.EndsWith("\n"u8), "a complete reply that does not end a line");
            if (mode == 1)
            {
                var last = reply[..^1].LastIndexOf((byte)'\n') + 1;
                Property.That(reply[last..].SequenceEqual("END\r\n"u8) || (reply.IndexOf((byte)'\n') == whole - 1 && McReplyFramer.IsErrorLine(reply)),
                    "a retrieval reply that ends neither in END nor is an error line");
            }
            if (mode >= 2)
            {
                var visible = McMetaReplyFramer.Visible((McMetaQuiet)(mode - 2), reply);
                Property.That(reply.StartsWith(visible), "the visible part is not a prefix of the reply");
            }
            data = data[whole..];
        }
        while (!data.IsEmpty);
    }

    private static int Frame(int mode, ReadOnlySpan<byte> data)
    {
        switch (mode)
        {
            case 0:
                return McReplyFramer.FrameLine(data);
            case 1:
                var scanned = 0;
                return McReplyFramer.FrameRetrieval(data, ref scanned);
            default:
                return McMetaReplyFramer.Frame(data, (McMetaQuiet)(mode - 2));
        }
    }
}
