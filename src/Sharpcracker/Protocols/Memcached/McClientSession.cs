using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Stats;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// One memcached client connection: parses the text and meta protocols, routes each request
/// (splitting multi-key retrievals per server: McClientSession.Split.cs) and writes replies in
/// request order, merging split ones.
/// The queue, the read and write loops and the limits are <see cref="ClientSession{TRequest}"/>'s.
/// </summary>
internal sealed partial class McClientSession : ClientSession<McRequest>
{
    private byte[] _scratch = []; // grown on first use: idle connections stay small

    private readonly ServerPool _pool;

    public McClientSession(ServerPool pool, Worker worker, System.Net.Sockets.Socket socket, long id, ILogger logger)
        : base(pool, worker, socket, id, logger)
    {
        _pool = pool;
    }

    protected override McRequest NewRequest() => new(this);

    protected override bool IsQuit(McRequest request) => request.Kind == McRequestKind.Quit;

    /// <summary>A single-server request with a reply to show: its bytes reach the client unchanged.</summary>
    protected override bool PassesThrough(McRequest request)
        => request.Kind is McRequestKind.Single or McRequestKind.Retrieval or McRequestKind.Meta or McRequestKind.Binary && !request.Noreply;

    protected override Progress Process(ref ReadOnlySequence<byte> buffer)
    {
        if (IsBinary(buffer))
        {
            return ProcessBinary(ref buffer);
        }
        if (!_authenticated && Credentials is { } credentials)
        {
            var progress = ProcessAsciiAuth(ref buffer, credentials);
            if (!_authenticated || progress != Progress.NeedMore)
            {
                return progress;
            }
        }
        while (!buffer.IsEmpty)
        {
            if (_swallow > 0)
            {
                // The data block of a refused over-size storage command or of an ms command
                // memcached rejects after reading its length, discarded as it arrives.
                Swallow(ref buffer);
                continue;
            }
            if (QueueFull)
            {
                return Progress.Paused;
            }
            var status = McRequestFramer.TryFrame(buffer, ref _scratch, _pool.Config.RequestSizeLimit, out var command, out var line, out var data, out var consumed);
            if (status == McFrameStatus.NeedMore)
            {
                return Progress.NeedMore;
            }
            if (status == McFrameStatus.TooLarge)
            {
                RefuseTooLarge(line, command);
                _swallow = command.DataLength;
                buffer = buffer.Slice(consumed);
                continue;
            }
            if (status == McFrameStatus.Close)
            {
                EnqueueQuit();
                return Progress.Stop;
            }
            switch (command.Kind)
            {
                case McCommandKind.Local:
                    EnqueueLocal(McCommand.ReplyBytes(command.Reply));
                    _swallow = command.Meta.SwallowLength;
                    break;
                case McCommandKind.Silent:
                    break;
                case McCommandKind.Close:
                case McCommandKind.Quit:
                    buffer = buffer.Slice(consumed);
                    EnqueueQuit();
                    return Progress.Stop;
                case McCommandKind.Get:
                case McCommandKind.Gets:
                case McCommandKind.Gat:
                case McCommandKind.Gats:
                    DispatchRetrieval(line, command);
                    break;
                case McCommandKind.Set:
                case McCommandKind.Add:
                case McCommandKind.Replace:
                case McCommandKind.Append:
                case McCommandKind.Prepend:
                case McCommandKind.Cas:
                case McCommandKind.Delete:
                case McCommandKind.Incr:
                case McCommandKind.Decr:
                case McCommandKind.Touch:
                    // data is empty except for storage commands.
                    DispatchSingle(line, command, line.Slice(command.KeyStart, command.KeyLength), data);
                    break;
                case McCommandKind.Version:
                    command.ForwardLength = "version".Length;
                    DispatchSingle("version"u8, command, default, default);
                    break;
                case McCommandKind.FlushAll:
                case McCommandKind.Verbosity:
                case McCommandKind.AdminToEveryServer:
                    DispatchAdmin(line, command);
                    break;
                case McCommandKind.MetaGet:
                case McCommandKind.MetaSet:
                case McCommandKind.MetaDelete:
                case McCommandKind.MetaArithmetic:
                case McCommandKind.MetaDebug:
                    DispatchMeta(line, command, data);
                    break;
                case McCommandKind.Stats:
                    EnqueueLocal(BuildStats());
                    break;
            }
            buffer = buffer.Slice(consumed);
            if (Saturated)
            {
                return Progress.Paused;
            }
        }
        return Progress.NeedMore;
    }

    /// <summary>
    /// A storage command over request_size_limit, answered as memcached answers an item over its
    /// size limit: <c>SERVER_ERROR object too large for cache</c> (hidden by noreply, as in
    /// 1.6.18), the data block swallowed, and for <c>set</c> the old value deleted so a stale
    /// value cannot outlive the failed set.
    /// </summary>
    private void RefuseTooLarge(ReadOnlySpan<byte> line, in McCommand command)
    {
        if (!command.Noreply)
        {
            EnqueueLocal(McReplies.ObjectTooLarge);
        }
        if (command.Kind != McCommandKind.Set)
        {
            return;
        }
        var key = line.Slice(command.KeyStart, command.KeyLength);
        Span<byte> delete = stackalloc byte[7 + 256];
        "delete "u8.CopyTo(delete);
        key.CopyTo(delete[7..]);
        var deleteCommand = new McCommand { Kind = McCommandKind.Delete, Noreply = true, ForwardLength = 7 + key.Length };
        DispatchSingle(delete[..deleteCommand.ForwardLength], deleteCommand, key, default);
    }

    /// <summary>Read loop only.</summary>
    private McRequest Rent(McRequestKind kind)
    {
        var request = RentRequest();
        request.Kind = kind;
        return request;
    }

    private void EnqueueLocal(ReadOnlySpan<byte> reply)
    {
        var request = Rent(McRequestKind.Local);
        request.Reply.Write(reply);
        EnqueueDone(request);
    }

    private void EnqueueQuit() => EnqueueDone(Rent(McRequestKind.Quit));

    private void EnqueueNoServer()
    {
        _pool.Stats.ForwardErrors(1);
        if (!_pool.Discovery.IsKnown)
        {
            // Past discovery_timeout, still no vBucket map from the stream: say so, not "no server".
            EnqueueLocal(System.Text.Encoding.UTF8.GetBytes("SERVER_ERROR servers not discovered yet: " + _pool.Discovery.Missing + "\r\n"));
            return;
        }
        EnqueueLocal("SERVER_ERROR no server available\r\n"u8);
    }

    private void DispatchSingle(ReadOnlySpan<byte> line, in McCommand command, ReadOnlySpan<byte> key, in ReadOnlySequence<byte> data)
    {
        if (_pool.Routes is { } tree)
        {
            var routed = Rent(McRequestKind.Single);
            routed.Noreply = command.Noreply;
            routed.StatsClass = McCommandClass.Of(command.Kind);
            var outcome = DispatchRouted(tree, routed, OperationOf(command.Kind), key, new TextCommand(line[..command.ForwardLength], in data));
            if (outcome != Routed.Sent && !command.Noreply)
            {
                if (outcome == Routed.NoRoute)
                {
                    EnqueueNoRoute();
                }
                else
                {
                    EnqueueNoServer();
                }
            }
            return;
        }
        var server = _pool.Route(key);
        if (server is null)
        {
            if (!command.Noreply)
            {
                EnqueueNoServer();
            }
            return;
        }
        var request = Rent(McRequestKind.Single);
        request.Noreply = command.Noreply;
        request.StatsClass = McCommandClass.Of(command.Kind);
        Enqueue(request);
        var connection = ConnectionTo(server);
        ForwardTo(connection, request, new TextCommand(line[..command.ForwardLength], in data));
    }

    private byte[] BuildStats()
    {
        var sb = new StringBuilder();
        var uptime = (long)(DateTime.UtcNow - ProcessFacts.StartTime).TotalSeconds;
        sb.Append("STAT pid ").Append(Environment.ProcessId).Append("\r\n");
        sb.Append("STAT uptime ").Append(uptime).Append("\r\n");
        sb.Append("STAT time ").Append(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Append("\r\n");
        sb.Append("STAT version sharpcracker-").Append(ProcessFacts.Version).Append("\r\n");
        sb.Append("STAT pointer_size ").Append(IntPtr.Size * 8).Append("\r\n");
        sb.Append("STAT threads ").Append(_pool.Workers?.Count ?? 1).Append("\r\n");
        sb.Append("STAT pool ").Append(_pool.Name).Append("\r\n");
        sb.Append("STAT curr_connections ").Append(_pool.CurrentClients).Append("\r\n");
        sb.Append("STAT total_connections ").Append(_pool.TotalClients).Append("\r\n");
        sb.Append("STAT rejected_connections ").Append(_pool.RejectedClients).Append("\r\n");
        sb.Append("STAT servers ").Append(_pool.Servers.Count).Append("\r\n");
        sb.Append("STAT config_reloads ").Append(ConfigReloadCounters.Reloads).Append("\r\n");
        sb.Append("STAT config_reload_failures ").Append(ConfigReloadCounters.Failures).Append("\r\n");
        // Process-wide allocation counters, so "no allocation per request" can be checked from outside.
        sb.Append("STAT gc_allocated_bytes ").Append(GC.GetTotalAllocatedBytes(precise: false)).Append("\r\n");
        sb.Append("STAT gc_gen0_collections ").Append(GC.CollectionCount(0)).Append("\r\n");
        Stats.MemcachedStatsText.Append(sb, _pool.Stats);
        sb.Append("END\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    protected override bool WriteReply(ByteBuffer output, McRequest request)
    {
        switch (request.Kind)
        {
            case McRequestKind.Binary:
            case McRequestKind.BinaryToEveryServer:
                return WriteBinaryReply(output, request);
            case McRequestKind.Local:
                output.Write(request.Reply.Span);
                return true;
            case McRequestKind.Single:
            case McRequestKind.Retrieval:
            case McRequestKind.Meta:
                if (request.Noreply)
                {
                    return false;
                }
                if (request.Error is { } error)
                {
                    WriteServerError(output, error);
                }
                else
                {
                    output.Write(request.Reply.Span);
                }
                return true;
            case McRequestKind.RetrievalSplit:
                return WriteMerged<RetrievalSplit>(output, request);
            case McRequestKind.AdminSplit:
                return !request.Noreply && WriteMerged<AdminSplit>(output, request);
            case McRequestKind.ReplicatedWrite:
                return WriteReplicated(output, request);
            default:
                return false;
        }
    }

    private static void WriteServerError(ByteBuffer output, string reason)
    {
        output.Write(McReplies.ServerErrorPrefix);
        var span = output.GetSpan(reason.Length + 2);
        var n = Encoding.ASCII.GetBytes(reason, span);
        span[n] = (byte)'\r';
        span[n + 1] = (byte)'\n';
        output.Advance(n + 2);
    }
}
