using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Stats;

namespace Sharpcracker.Tests.Stats;

/// <summary>A request that is only counted: no bytes to frame, replies and failures ignored.</summary>
internal sealed class StubBackendRequest : ServerRequest
{
    /// <summary>
    /// Counts one request of <paramref name="bytes"/> on <paramref name="connection"/> the way a server
    /// connection does when it queues one: mark the send buffer's length, append, commit.
    /// </summary>
    public static StubBackendRequest Queue(ConnectionStats connection, int bytes)
    {
        var request = new StubBackendRequest();
        connection.BeginRequest(0);
        connection.Committed(request, bytes, 0);
        return request;
    }

    public override int TryFrame(ReadOnlySpan<byte> data, ref int scan) => 0;

    public override void OnReply(ReadOnlySpan<byte> reply)
    {
    }

    public override void OnFailure(ServerFailure failure)
    {
    }
}
