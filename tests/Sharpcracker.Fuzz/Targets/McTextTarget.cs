namespace Sharpcracker.Fuzz;

/// <summary>The memcached text framer and parser (McRequestFramer, McRequestParser) on raw client input.</summary>
internal sealed class McTextTarget : FuzzTarget
{
    public override string Name => "mc-text";

    public override void Check(ReadOnlySpan<byte> input) => McTextChecks.Check(input.ToArray());
}
