using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Logging;
using Sharpcracker.Proxy;

namespace Sharpcracker.Memcached;

/// <summary>
/// One memcached client connection. The read loop parses complete requests, appends each to
/// this session's reply queue (request order) and copies its bytes once into the chosen server
/// connection's send buffer. Server threads complete requests in any order; the write loop
/// writes finished requests strictly from the head of the queue, so replies keep request order
/// across servers, and flushes once per batch.
/// </summary>
internal sealed partial class McClientSession : INotifiable
{
    /// <summary>Requests a client may have outstanding before the proxy stops reading from it.</summary>
    private const int MaxQueued = 8192;
    /// <summary>The write loop flushes (and waits for the socket) after this many reply bytes.</summary>
    private const int FlushChunkBytes = 256 * 1024;

    private readonly ServerPool _pool;
    private readonly IDuplexPipe _transport;
    private readonly long _id;
    private readonly ILogger _logger;
    private readonly Queue<McRequest> _queue = new();
    // Request recycling without a lock per request: the read loop rents from _readerFree (its
    // own); the write loop collects released requests in _writerReleased (its own) and hands
    // them over through _returned under one lock per write batch.
    private readonly Stack<McRequest> _readerFree = new();
    private readonly List<McRequest> _writerReleased = [];
    private readonly List<McRequest> _returned = [];
    private volatile int _queueCount; // _queue.Count, written under the queue lock
    private readonly AsyncSignal _writerSignal = new(runInline: true);
    private readonly List<ServerConnection> _touched = [];
    private readonly AsyncSignal _readerSignal = new();
    private int[] _serverChild;
    private byte[] _scratch = []; // grown on first use: idle connections stay small
    private volatile bool _readerDone;
    private volatile bool _writerDone;
    // Failures and limits (docs/operations.md): _swallow (McClientSession.Meta.cs) also counts the
    // bytes of an over-size storage command still to discard; the server connection that reached server_inflight_limit (read loop pauses);
    // reply bytes held for this client; draining (shutdown or abort) stops reading.
    private ServerConnection? _saturated;
    private readonly ClientOutputBudget _outputBudget;
    private volatile bool _draining;
    private int _aborted;

    public McClientSession(ServerPool pool, IDuplexPipe transport, long id, ILogger logger)
    {
        _pool = pool;
        _transport = transport;
        _id = id;
        _logger = logger;
        _serverChild = new int[pool.Servers.Count];
        Array.Fill(_serverChild, -1);
        _outputBudget = new ClientOutputBudget(pool.Config.ClientOutputLimit);
    }

    /// <summary>Closes the client's socket at once (set by the listener; Kestrel's ConnectionContext.Abort).</summary>
    public Action? AbortConnection { get; set; }

    public bool IsAborted => Volatile.Read(ref _aborted) != 0;

    /// <summary>
    /// Graceful shutdown: stop reading requests; the write loop still writes every reply already
    /// owed, then the session ends and the connection closes.
    /// </summary>
    public void BeginDrain()
    {
        _draining = true;
        _transport.Input.CancelPendingRead();
    }

    /// <summary>Any thread that stored reply bytes for this client. Disconnects a client over client_output_limit.</summary>
    public void CountReplyBytes(int bytes)
    {
        if (_outputBudget.Add(bytes))
        {
            _logger.LogWarning("pool {Pool}: client {Client} left more than {Limit} reply bytes unread; closing it",
                _pool.Name, _id, _pool.Config.ClientOutputLimit);
            Abort();
        }
    }

    private void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }
        _draining = true;
        _transport.Input.CancelPendingRead();
        _transport.Output.CancelPendingFlush();
        AbortConnection?.Invoke();
    }

    public async Task RunAsync()
    {
        var writer = WriteLoopAsync();
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        finally
        {
            _readerDone = true;
            _writerSignal.Set();
        }
        await writer.ConfigureAwait(false);
    }

    /// <summary>Called (via <see cref="CompletionBatch"/>) by whichever thread completed requests of this session.</summary>
    public void Notify() => _writerSignal.Set();

    private enum Progress
    {
        NeedMore,
        Paused,
        Stop,
    }

    private async Task ReadLoopAsync()
    {
        var input = _transport.Input;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            if (_draining)
            {
                input.AdvanceTo(buffer.Start);
                return;
            }
            Progress progress;
            CompletionBatch.Begin();
            try
            {
                progress = Process(ref buffer);
                // One send per server for everything this read produced.
                foreach (var connection in _touched)
                {
                    connection.Flush();
                }
                _touched.Clear();
            }
            finally
            {
                CompletionBatch.End();
            }
            if (progress == Progress.Stop)
            {
                input.AdvanceTo(buffer.Start);
                return;
            }
            // Paused: complete requests remain, so do not mark them examined.
            input.AdvanceTo(buffer.Start, progress == Progress.Paused ? buffer.Start : buffer.End);
            // A client that half-closed after a long pipeline still gets every request served:
            // when paused, the rest is read again (with IsCompleted) once there is room.
            if ((result.IsCompleted || result.IsCanceled) && progress != Progress.Paused)
            {
                return;
            }
            if (_saturated is { } saturated)
            {
                // Back-pressure: a server connection is at server_inflight_limit.
                _saturated = null;
                await saturated.WaitForRoomAsync().ConfigureAwait(false);
            }
            while (QueueCount >= MaxQueued)
            {
                if (_writerDone || _draining)
                {
                    return;
                }
                await _readerSignal.WaitAsync().ConfigureAwait(false);
            }
        }
    }

    private int QueueCount => _queueCount;

    private Progress Process(ref ReadOnlySequence<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (_swallow > 0)
            {
                // The data block of a refused over-size storage command or of an ms command
                // memcached rejects after reading its length, discarded as it arrives.
                Swallow(ref buffer);
                continue;
            }
            if (QueueCount >= MaxQueued)
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
                    EnqueueLocal(command.StatsPlain ? BuildStats() : McReplies.Error);
                    break;
            }
            buffer = buffer.Slice(consumed);
            if (_saturated is not null)
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
        if (_readerFree.Count == 0)
        {
            lock (_returned)
            {
                foreach (var r in _returned)
                {
                    _readerFree.Push(r);
                }
                _returned.Clear();
            }
        }
        var request = _readerFree.TryPop(out var free) ? free : new McRequest(this);
        request.Kind = kind;
        return request;
    }

    /// <summary>Recycles a request and its parts into <paramref name="into"/>, which the calling loop owns.</summary>
    private static void Recycle(McRequest request, ICollection<McRequest> into)
    {
        foreach (var child in request.Children)
        {
            child.Reset();
            into.Add(child);
        }
        request.Reset();
        into.Add(request);
    }

    /// <summary>Write loop: hands the requests it released back to the read loop, one lock per batch.</summary>
    private void ReturnReleased()
    {
        if (_writerReleased.Count == 0)
        {
            return;
        }
        lock (_returned)
        {
            _returned.AddRange(_writerReleased);
        }
        _writerReleased.Clear();
    }

    private void Enqueue(McRequest request)
    {
        lock (_queue)
        {
            _queue.Enqueue(request);
            _queueCount = _queue.Count;
        }
    }

    private void EnqueueLocal(ReadOnlySpan<byte> reply)
    {
        var request = Rent(McRequestKind.Local);
        request.Reply.Write(reply);
        CountReplyBytes(reply.Length);
        Enqueue(request);
        request.MarkDoneLocally();
    }

    private void EnqueueQuit()
    {
        var request = Rent(McRequestKind.Quit);
        Enqueue(request);
        request.MarkDoneLocally();
    }

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
        var connection = server.ConnectionFor(_id);
        var output = connection.BeginRequest();
        output.Write(line[..command.ForwardLength]);
        output.Write(McReplies.Crlf);
        if (!data.IsEmpty)
        {
            output.Write(data);
        }
        Commit(connection, request);
    }

    private void Commit(ServerConnection connection, BackendRequest request)
    {
        if (connection.Commit(request))
        {
            _saturated ??= connection;
        }
        Touch(connection);
    }

    private void Touch(ServerConnection connection)
    {
        foreach (var c in _touched)
        {
            if (c == connection)
            {
                return;
            }
        }
        _touched.Add(connection);
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
                    root.Reset();
                    _readerFree.Push(root);
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
            var connection = only!.ConnectionFor(_id);
            var output = connection.BeginRequest();
            output.Write(line);
            output.Write(McReplies.Crlf);
            Commit(connection, root);
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
        _pool.Stats.FragmentsCreated(root.Children.Count);
        Enqueue(root);
        var prefix = line[..command.KeysStart];
        for (var c = 0; c < root.Children.Count; c++)
        {
            var fragment = root.Children[c];
            var server = topology.Servers[fragment.FragmentServer];
            _serverChild[fragment.FragmentServer] = -1;
            var connection = server.ConnectionFor(_id);
            var output = connection.BeginRequest();
            output.Write(prefix);
            var first = true;
            for (var i = 0; i < root.KeyCount; i++)
            {
                if (root.KeyChild[i] != c)
                {
                    continue;
                }
                if (!first)
                {
                    output.WriteByte((byte)' ');
                }
                output.Write(root.Key(i));
                first = false;
            }
            output.Write(McReplies.Crlf);
            Commit(connection, fragment);
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
            var connection = servers[i].ConnectionFor(_id);
            var output = connection.BeginRequest();
            output.Write(line[..command.ForwardLength]);
            output.Write(McReplies.Crlf);
            Commit(connection, root.Children[i]);
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
        sb.Append("STAT threads ").Append(Environment.ProcessorCount).Append("\r\n");
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

    private async Task WriteLoopAsync()
    {
        var output = _transport.Output;
        try
        {
            while (true)
            {
                await _writerSignal.WaitAsync().ConfigureAwait(false);
                if (IsAborted)
                {
                    return;
                }
                var wrote = false;
                long unflushed = 0;
                while (TryTakeFinished(out var request))
                {
                    if (request.Kind == McRequestKind.Quit)
                    {
                        await output.FlushAsync().ConfigureAwait(false);
                        return;
                    }
                    wrote |= WriteReply(output, request);
                    unflushed += HeldBytes(request);
                    Recycle(request, _writerReleased);
                    if (unflushed >= FlushChunkBytes)
                    {
                        // Large replies: hand them to the socket in chunks, waiting for it, so
                        // the output pipe stays small however much is finished.
                        ReturnReleased();
                        _outputBudget.Release(unflushed);
                        unflushed = 0;
                        wrote = false;
                        var chunk = await output.FlushAsync().ConfigureAwait(false);
                        if (chunk.IsCompleted || chunk.IsCanceled)
                        {
                            return;
                        }
                    }
                }
                _outputBudget.Release(unflushed);
                ReturnReleased();
                _readerSignal.Set();
                if (wrote)
                {
                    var flush = await output.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        return;
                    }
                }
                if (_readerDone && QueueCount == 0)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            _logger.LogDebug("pool {Pool}: client {Client} write failed: {Message}", _pool.Name, _id, e.Message);
        }
        finally
        {
            _writerDone = true;
            _readerSignal.Set();
        }
    }

    /// <summary>Reply bytes a finished request holds (counted in <see cref="_outputBudget"/>).</summary>
    private static long HeldBytes(McRequest request)
    {
        long bytes = request.Reply.Length;
        foreach (var child in request.Children)
        {
            bytes += child.Reply.Length;
        }
        return bytes;
    }

    private bool TryTakeFinished(out McRequest request)
    {
        lock (_queue)
        {
            if (_queue.TryPeek(out request!) && request.IsDone)
            {
                _queue.Dequeue();
                _queueCount = _queue.Count;
                return true;
            }
        }
        return false;
    }

    private static bool WriteReply(PipeWriter output, McRequest request)
    {
        switch (request.Kind)
        {
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

    private static void WriteServerError(PipeWriter output, string reason)
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
    private static void WriteMerged(PipeWriter output, McRequest root)
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

    private static void WriteFanOut(PipeWriter output, McRequest root)
    {
        if (FirstError(root) is { } error)
        {
            WriteServerError(output, error);
            return;
        }
        foreach (var part in root.Children)
        {
            if (!part.Reply.Span.SequenceEqual(McReplies.Ok))
            {
                output.Write(part.Reply.Span);
                return;
            }
        }
        output.Write(McReplies.Ok);
    }
}
