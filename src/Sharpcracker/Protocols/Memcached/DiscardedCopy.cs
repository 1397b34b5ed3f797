using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// A request the proxy sends on its own and whose reply nobody reads: a shadow copy or a warm-up
/// fill. Framed like the client's request it copies, then returned to its session's free stack
/// (the worker's thread only; a stack of a closed session is just dropped with it).
/// </summary>
internal sealed class DiscardedCopy(Stack<DiscardedCopy> free) : ServerRequest
{
    private McRequestKind _kind;
    private McMetaQuiet _quiet;
    private byte _binaryForward;
    private ShadowRoute? _shadow;
    private int _worker;

    /// <summary>A fill's bytes (a shadow copy is written straight into the connection's output).</summary>
    public readonly ByteBuffer Bytes = new();

    public void Set(McRequestKind kind, McMetaQuiet quiet, byte binaryForward, ShadowRoute? shadow, int worker)
    {
        _kind = kind;
        _quiet = quiet;
        _binaryForward = binaryForward;
        _shadow = shadow;
        _worker = worker;
    }

    public override int TryFrame(ReadOnlySpan<byte> data, ref int scan) => McRequest.Frame(_kind, _quiet, _binaryForward, data, ref scan);

    public override void OnReply(ReadOnlySpan<byte> reply) => Release();

    public override void OnFailure(ServerFailure failure) => Release();

    /// <summary>Back to the free stack: the shadow's in-flight slot is given back.</summary>
    public void Release()
    {
        _shadow?.EndCopy(_worker);
        _shadow = null;
        Bytes.Clear();
        free.Push(this);
    }
}
