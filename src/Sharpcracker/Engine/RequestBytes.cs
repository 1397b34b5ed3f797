using Sharpcracker.Common;

namespace Sharpcracker.Engine;

/// <summary>A request whose bytes are ready as one span (a redirect's kept bytes, a fixed command).</summary>
internal readonly ref struct RequestBytes(ReadOnlySpan<byte> bytes) : IRequestWriter<RequestBytes>
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;

    public static void Write(ByteBuffer output, scoped in RequestBytes request) => output.Write(request._bytes);
}
