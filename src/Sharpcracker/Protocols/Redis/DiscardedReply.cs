using Sharpcracker.Common;
using Sharpcracker.Engine;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// A command the proxy sends on a client's dedicated connection for the client's sake (the
/// transaction's MULTI once its server is known, the commands answered +QUEUED before that, a
/// DISCARD that ends a failed transaction): its reply is framed and dropped. A failure tells the
/// session, since the server then never saw the MULTI the client's commands rely on.
/// </summary>
internal sealed class DiscardedReply(RedisClientSession session) : ServerRequest
{
    private long _frameRemaining;

    public override int TryFrame(ReadOnlySpan<byte> data, ref int scan) => RespReplyFramer.Frame(data, ref scan, ref _frameRemaining);

    public override void OnReply(ReadOnlySpan<byte> reply)
    {
    }

    public override void OnFailure(ServerFailure failure) => session.PinnedRequestFailed();
}
