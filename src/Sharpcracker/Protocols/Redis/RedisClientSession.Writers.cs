using Sharpcracker.Common;
using Sharpcracker.Engine;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// What each kind of forwarded Redis request writes to a server connection
/// (<see cref="ServerConnection.Enqueue{TWriter}"/>): a ref struct with what to write and its
/// static writer (<see cref="IRequestWriter{TSelf}"/>), so queuing allocates nothing and the
/// bytes are written only when the connection accepts the request. A redis_cluster pool keeps a request's bytes for a MOVED/ASK retry: they
/// are written into the request's own buffer (<c>keep</c>), then copied to the connection.
/// </summary>
internal sealed partial class RedisClientSession
{
    /// <summary>The client's command untouched (an inline command re-encoded as a RESP array).</summary>
    private readonly ref struct ClientCommand(ReadOnlySpan<byte> command, RespArgs args, ByteBuffer? keep) : IRequestWriter<ClientCommand>
    {
        private readonly ReadOnlySpan<byte> _command = command;
        private readonly RespArgs _args = args;
        private readonly ByteBuffer? _keep = keep;

        public static void Write(ByteBuffer output, scoped in ClientCommand c)
        {
            var target = c._keep ?? output;
            var args = c._args;
            if (args.Inline)
            {
                RedisReplies.WriteInteger(target, '*', args.Count);
                for (var i = 0; i < args.Count; i++)
                {
                    RedisReplies.WriteBulk(target, args.Get(i, c._command));
                }
            }
            else
            {
                target.Write(c._command);
            }
            if (c._keep is { } keep)
            {
                output.Write(keep.Span);
            }
        }
    }

}
