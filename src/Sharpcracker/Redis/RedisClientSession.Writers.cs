using Sharpcracker.Engine;
using Sharpcracker.Proxy;

namespace Sharpcracker.Redis;

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

    /// <summary>A split command's fragment: the command name, then the keys (and values) of one child in client order.</summary>
    private readonly ref struct SplitFragment(ReadOnlySpan<byte> command, RespArgs args, ReadOnlySpan<byte> name, RedisRequest root, int child, int keys, int step, ByteBuffer? keep) : IRequestWriter<SplitFragment>
    {
        private readonly ReadOnlySpan<byte> _command = command;
        private readonly RespArgs _args = args;
        private readonly ReadOnlySpan<byte> _name = name;
        private readonly RedisRequest _root = root;
        private readonly int _child = child;
        private readonly int _keys = keys;
        private readonly int _step = step;
        private readonly ByteBuffer? _keep = keep;

        public static void Write(ByteBuffer output, scoped in SplitFragment f)
        {
            var target = f._keep ?? output;
            var root = f._root;
            var step = f._step;
            RedisReplies.WriteInteger(target, '*', 1 + f._keys * step);
            RedisReplies.WriteBulk(target, f._name);
            for (var k = 0; k < root.KeyCount; k++)
            {
                if (root.KeyChild[k] != f._child)
                {
                    continue;
                }
                var arg = 1 + k * step;
                RedisReplies.WriteBulk(target, f._args.Get(arg, f._command));
                if (step == 2)
                {
                    RedisReplies.WriteBulk(target, f._args.Get(arg + 1, f._command));
                }
            }
            if (f._keep is { } keep)
            {
                output.Write(keep.Span);
            }
        }
    }
}
