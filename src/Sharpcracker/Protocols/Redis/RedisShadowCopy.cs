using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools.Routes;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// A copy of a client's write sent to a shadow pool (docs/routes.md, "Redis"): its reply is
/// framed and dropped, its in-flight slot given back, and it returns to its session's free stack
/// (worker thread only).
/// </summary>
internal sealed class RedisShadowCopy(Stack<RedisShadowCopy> free) : ServerRequest
{
    private long _frameRemaining;
    private ShadowRoute? _shadow;
    private int _worker;

    public void Set(ShadowRoute shadow, int worker)
    {
        _shadow = shadow;
        _worker = worker;
        _frameRemaining = 0;
    }

    public override int TryFrame(ReadOnlySpan<byte> data, ref int scan) => RespReplyFramer.Frame(data, ref scan, ref _frameRemaining);

    public override void OnReply(ReadOnlySpan<byte> reply) => Release();

    public override void OnFailure(ServerFailure failure) => Release();

    private void Release()
    {
        _shadow?.EndCopy(_worker);
        _shadow = null;
        free.Push(this);
    }
}
