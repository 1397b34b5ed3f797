using System.Buffers;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// Meta commands (mg, ms, md, ma, me): routed by key like the text commands, with the key decoded
/// first when the b flag is present. A quiet command goes to the backend without its q, so the
/// backend always answers and the reply stays in step; the request then hides what memcached would
/// have hidden (see <see cref="McMetaQuiet"/>). mn is a local reply queued like any other, so it is
/// written only after every reply before it, whichever servers those came from.
/// </summary>
internal sealed partial class McClientSession
{
    /// <summary>Bytes still to discard after a locally answered ms error (memcached's swallow state). Read loop only.</summary>
    private long _swallow;

    private void Swallow(ref ReadOnlySequence<byte> buffer)
    {
        var n = Math.Min(_swallow, buffer.Length);
        buffer = buffer.Slice(n);
        _swallow -= n;
    }

    private void DispatchMeta(ReadOnlySpan<byte> line, in McCommand command, in ReadOnlySequence<byte> data)
    {
        ReadOnlySpan<byte> key = line.Slice(command.KeyStart, command.KeyLength);
        Span<byte> decoded = stackalloc byte[McRequestParser.KeyMaxLength];
        ReadOnlySpan<byte> routeKey = decoded[..0];
        // The parser checked that the key decodes (memcached answers an error otherwise).
        routeKey = command.Meta.Base64Key ? decoded[..McBase64.Decode(key, decoded)] : key;
        if (_pool.Routes is { } tree)
        {
            var routed = Rent(McRequestKind.Meta);
            routed.MetaQuiet = command.Meta.Quiet;
            var outcome = DispatchRouted(tree, routed, OperationOf(command.Kind), routeKey, new MetaCommand(line, in command, in data));
            if (outcome == Routed.NoRoute)
            {
                EnqueueNoRoute();
            }
            else if (outcome == Routed.NoServer)
            {
                EnqueueNoServer();
            }
            return;
        }
        var server = _pool.Route(routeKey);
        if (server is null)
        {
            EnqueueNoServer();
            return;
        }
        var request = Rent(McRequestKind.Meta);
        request.MetaQuiet = command.Meta.Quiet;
        Enqueue(request);
        var connection = ConnectionTo(server);
        ForwardTo(connection, request, new MetaCommand(line, in command, in data));
    }
}
