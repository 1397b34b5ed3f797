using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Sharpcracker.Engine;
using Sharpcracker.Proxy;

namespace Sharpcracker.Memcached;

/// <summary>
/// One memcached client connection: parses the text and meta protocols, routes each request
/// (splitting multi-gets per server) and writes replies in request order, merging split ones.
/// The queue, the read and write loops and the limits are <see cref="ClientSession{TRequest}"/>'s.
/// </summary>
internal sealed partial class McClientSession : ClientSession<McRequest>
{
    private byte[] _scratch = []; // grown on first use: idle connections stay small

    public McClientSession(ServerPool pool, Worker worker, System.Net.Sockets.Socket socket, long id, ILogger logger)
        : base(pool, worker, socket, id, logger)
    {
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
                case McCommandKind.AdminFanOut:
                    DispatchFanOut(line, command);
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
        EnqueueLocal("SERVER_ERROR no server available\r\n"u8);
    }

    private void DispatchSingle(ReadOnlySpan<byte> line, in McCommand command, ReadOnlySpan<byte> key, in ReadOnlySequence<byte> data)
    {
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
        request.StatsClass = Stats.CommandClasses.Of(command.Kind);
        Enqueue(request);
        var connection = ConnectionTo(server);
        ForwardTo(connection, request, new TextCommand(line[..command.ForwardLength], in data));
    }

    private void DispatchRetrieval(ReadOnlySpan<byte> line, in McCommand command)
    {
        var keys = line[command.KeysStart..];
        // One topology snapshot for the whole command: its indices stay valid under a reload.
        var topology = _pool.Topology;
        if (_serverChild.Length < topology.Servers.Length)
        {
            _serverChild = new int[topology.Servers.Length];
            Array.Fill(_serverChild, -1);
        }
        var root = Rent(McRequestKind.MultiGet);
        root.KeyBytes.Write(keys);
        // Route every key; remember whether they all land on one server.
        BackendServer? only = null;
        var split = false;
        var pos = 0;
        while (pos < keys.Length)
        {
            var sp = keys[pos..].IndexOf((byte)' ');
            var len = sp < 0 ? keys.Length - pos : sp;
            if (len > 0)
            {
                var serverIndex = topology.RouteIndex(keys.Slice(pos, len));
                var server = serverIndex < 0 ? null : topology.Servers[serverIndex];
                if (server is null)
                {
                    RecycleUnsent(root);
                    EnqueueNoServer();
                    return;
                }
                root.AddKey(pos, len);
                root.KeyChild[root.KeyCount - 1] = serverIndex;
                if (only is null)
                {
                    only = server;
                }
                else if (only != server)
                {
                    split = true;
                }
            }
            pos += len + 1;
        }

        if (!split)
        {
            // The common case: forward the line untouched and pass the reply through.
            root.Kind = McRequestKind.Retrieval;
            root.KeyBytes.Clear();
            root.KeyCount = 0;
            root.StatsClass = Stats.CommandClass.Retrieval;
            Enqueue(root);
            var connection = ConnectionTo(only!);
            ForwardTo(connection, root, new TextCommand(line));
            return;
        }

        // One fragment per server, keys in request order (duplicates kept); KeyChild maps key -> fragment.
        for (var i = 0; i < root.KeyCount; i++)
        {
            var serverIndex = root.KeyChild[i];
            var child = _serverChild[serverIndex];
            if (child < 0)
            {
                child = root.Children.Count;
                _serverChild[serverIndex] = child;
                var fragment = Rent(McRequestKind.Fragment);
                fragment.Parent = root;
                fragment.FragmentServer = serverIndex;
                fragment.StatsClass = Stats.CommandClass.Retrieval;
                root.Children.Add(fragment);
            }
            root.KeyChild[i] = child;
        }
        root.BeginChildren(root.Children.Count);
        _pool.Stats.FragmentsCreated(Worker.Index, root.Children.Count);
        Enqueue(root);
        var prefix = line[..command.KeysStart];
        for (var c = 0; c < root.Children.Count; c++)
        {
            var fragment = root.Children[c];
            var server = topology.Servers[fragment.FragmentServer];
            _serverChild[fragment.FragmentServer] = -1;
            var connection = ConnectionTo(server);
            ForwardTo(connection, fragment, new RetrievalFragment(prefix, root, c));
        }
        root.DispatchDone();
    }

    private void DispatchFanOut(ReadOnlySpan<byte> line, in McCommand command)
    {
        var root = Rent(McRequestKind.FanOut);
        root.Noreply = command.Noreply;
        var servers = _pool.Servers;
        for (var i = 0; i < servers.Count; i++)
        {
            var part = Rent(McRequestKind.FanOutPart);
            part.Parent = root;
            part.StatsClass = Stats.CommandClass.Other;
            root.Children.Add(part);
        }
        root.BeginChildren(servers.Count);
        Enqueue(root);
        for (var i = 0; i < servers.Count; i++)
        {
            var connection = ConnectionTo(servers[i]);
            ForwardTo(connection, root.Children[i], new TextCommand(line[..command.ForwardLength]));
        }
        root.DispatchDone();
    }

    private byte[] BuildStats()
    {
        var sb = new StringBuilder();
        var uptime = (long)(DateTime.UtcNow - ProxyProcess.StartTime).TotalSeconds;
        sb.Append("STAT pid ").Append(Environment.ProcessId).Append("\r\n");
        sb.Append("STAT uptime ").Append(uptime).Append("\r\n");
        sb.Append("STAT time ").Append(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Append("\r\n");
        sb.Append("STAT version sharpcracker-").Append(ProxyProcess.Version).Append("\r\n");
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
            case McRequestKind.BinaryFanOut:
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
            case McRequestKind.MultiGet:
                WriteMerged(output, request);
                return true;
            case McRequestKind.FanOut:
                if (request.Noreply)
                {
                    return false;
                }
                WriteFanOut(output, request);
                return true;
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

    /// <summary>
    /// Rebuilds one retrieval reply from per-server fragments in the client's key order. Each
    /// fragment answered its keys in order with misses omitted, so walking the keys and taking a
    /// fragment's next VALUE when its key matches restores order and keeps duplicates.
    /// </summary>
    private static void WriteMerged(ByteBuffer output, McRequest root)
    {
        if (FirstError(root) is { } error)
        {
            WriteServerError(output, error);
            return;
        }
        foreach (var child in root.Children)
        {
            var reply = child.Reply.Span;
            if (!reply.StartsWith("VALUE "u8) && !reply.StartsWith("END\r\n"u8))
            {
                // A backend error line (e.g. out of memory) answers the whole command, as memcached would.
                output.Write(reply);
                return;
            }
            child.MergeCursor = 0;
        }
        for (var i = 0; i < root.KeyCount; i++)
        {
            var child = root.Children[root.KeyChild[i]];
            var reply = child.Reply.Span;
            var cursor = child.MergeCursor;
            var rest = reply[cursor..];
            if (!rest.StartsWith("VALUE "u8))
            {
                continue;
            }
            var nl = rest.IndexOf((byte)'\n');
            if (!McReplyFramer.TryParseValueHeader(rest[..nl], out var key, out var bytes) || !key.SequenceEqual(root.Key(i)))
            {
                continue;
            }
            var entry = nl + 1 + bytes + 2;
            output.Write(rest[..entry]);
            child.MergeCursor = cursor + entry;
        }
        output.Write(McReplies.End);
    }

    private static string? FirstError(McRequest root)
    {
        foreach (var child in root.Children)
        {
            if (child.Error is { } error)
            {
                return error;
            }
        }
        return null;
    }

    private static void WriteFanOut(ByteBuffer output, McRequest root)
    {
        if (FirstError(root) is { } error)
        {
            WriteServerError(output, error);
            return;
        }
        // Every server gave the same success line (OK, or RESET for stats reset), or the first
        // other line stands for the command: one server's refusal is the client's answer.
        foreach (var part in root.Children)
        {
            var reply = part.Reply.Span;
            if (!reply.SequenceEqual(McReplies.Ok) && !reply.SequenceEqual(McReplies.Reset))
            {
                output.Write(reply);
                return;
            }
        }
        output.Write(root.Children[0].Reply.Span);
    }
}
