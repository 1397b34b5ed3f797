using Sharpcracker.Protocols.Memcached;

namespace Sharpcracker.Fuzz;

/// <summary>
/// The binary reply framer (McBinary.FrameReply) on a backend's byte stream; the first input byte
/// is the opcode the proxy forwarded. Properties: a result is -1, 0 or a length of at least one
/// header within the input; every prefix frames as incomplete or as the whole input does.
/// </summary>
internal sealed class McBinaryReplyTarget : FuzzTarget
{
    public override string Name => "mc-binary-reply";

    public override void Check(ReadOnlySpan<byte> input)
    {
        var opcode = input.IsEmpty ? (byte)0 : input[0];
        var data = input.IsEmpty ? default : input[1..];
        do
        {
            var whole = McBinary.FrameReply(data, opcode);
            Property.That(whole is -1 or 0 || whole >= McBinary.HeaderLength, $"frame length {whole}: less than a header");
            Property.PrefixesAgree(data, whole, d => McBinary.FrameReply(d, opcode));
            if (whole <= 0)
            {
                return;
            }
            Property.That(whole == McBinary.HeaderLength + McBinary.BodyLength(data), "the length is not header plus body length");
            data = data[whole..];
        }
        while (!data.IsEmpty);
    }
}
