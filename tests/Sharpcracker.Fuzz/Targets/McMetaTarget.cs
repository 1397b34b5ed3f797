namespace Sharpcracker.Fuzz;

/// <summary>
/// The meta parser (McMetaParser) through the text framer: the input is client input after its
/// first byte, an 'm', so every mutation of the first line is a meta command (mg, ms, md, ma, mn,
/// me or an unknown m?) and AFL spends its time on the flag rules. Later lines are plain input.
/// </summary>
internal sealed class McMetaTarget : FuzzTarget
{
    public override string Name => "mc-meta";

    public override void Check(ReadOnlySpan<byte> input)
    {
        var bytes = new byte[input.Length + 1];
        bytes[0] = (byte)'m';
        input.CopyTo(bytes.AsSpan(1));
        McTextChecks.Check(bytes);
    }
}
