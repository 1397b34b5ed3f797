using Sharpcracker.ControlPlane;

namespace Sharpcracker.Testing;

/// <summary>
/// A canned RESP reply parsed as the proxy's control client (<see cref="RespClient"/>) reads it:
/// strings, <c>long</c>, <see cref="RespErrorReply"/>, <c>object?[]</c> or null.
/// </summary>
internal static class RespValue
{
    /// <summary>The first reply in <paramref name="data"/>.</summary>
    public static object? Parse(ReadOnlySpan<byte> data)
    {
        using var client = new RespClient(new MemoryStream(data.ToArray(), writable: false));
        // A MemoryStream completes every read synchronously.
        return client.ReadAsync(CancellationToken.None).GetAwaiter().GetResult();
    }
}
