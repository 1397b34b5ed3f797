using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Sharpcracker.Engine;

/// <summary>
/// A memcached server that missed writes (docs/routes.md, "A server that comes back"): a route
/// sent a key's update or delete elsewhere (a failover's gutter, or a replica that could not be
/// reached) while this server failed. Until every such key is deleted on it, the server is held:
/// routes send its keys elsewhere, so its old values are never read. A cleaner on the thread pool
/// waits until the server answers again, deletes the keys (or flushes the server when more than
/// <see cref="MaxKeys"/> were missed), and releases the hold only once no key is left.
/// Any thread: workers add keys under the lock (a failure path); the hot path reads <see cref="PoolServer.MissedWrites"/> only.
/// </summary>
internal sealed class ServerMissedWrites
{
    /// <summary>Keys remembered per server; past this the server is flushed instead (a long outage under heavy writes).</summary>
    public const int MaxKeys = 65536;

    /// <summary>Between attempts to reach the server, and after it first answers before the deletes (it may still be running commands a timed-out connection left in its socket).</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly object _lock = new();
    private readonly PoolServer _server;
    private HashSet<string> _keys = new(StringComparer.Ordinal);
    private bool _overflow;
    private bool _released;
    private volatile bool _draining;

    public ServerMissedWrites(PoolServer server)
    {
        _server = server;
    }

    /// <summary>
    /// The server answers again and the cleaner is deleting what it missed. Writes go to it again
    /// (each takes its key off the list: the server now has the newest value), so the list only
    /// shrinks and the hold ends however busy the server is; a read goes to it unless its key is
    /// still on the list. A new failure ends draining (<see cref="TryAdd"/>).
    /// </summary>
    public bool Draining => _draining;

    /// <summary>Any thread, while draining: whether <paramref name="key"/> still waits for its delete (a read of it goes elsewhere). Allocates: only during a drain.</summary>
    public bool IsPending(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            return _overflow || _keys.Contains(Encoding.Latin1.GetString(key));
        }
    }

    /// <summary>Any thread, while draining: a write of <paramref name="key"/> goes to the server, which will hold its newest value.</summary>
    public void WrittenWhileDraining(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            if (_keys.Count > 0)
            {
                _keys.Remove(Encoding.Latin1.GetString(key));
            }
        }
    }

    /// <summary>Keys still to delete (approximate: for stats and the status page).</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _overflow ? MaxKeys : _keys.Count;
            }
        }
    }

    /// <summary>
    /// Worker thread: <paramref name="key"/> was written elsewhere while this server was held (an
    /// empty key: nothing to delete, the hold alone). False when the cleaner released this hold
    /// meanwhile: the caller holds the server again (<see cref="PoolServer.HoldForMissedWrites"/>).
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            if (_released)
            {
                return false;
            }
            _draining = false; // while draining, only a failure adds a key: the server is failing again
            if (_overflow || key.IsEmpty)
            {
                return true;
            }
            if (_keys.Count >= MaxKeys)
            {
                _overflow = true;
                _keys.Clear();
                return true;
            }
            _keys.Add(Encoding.Latin1.GetString(key));
            return true;
        }
    }

    /// <summary>The cleaner: until the server is clean or closed (removed by a reload, shutdown).</summary>
    public async Task CleanAsync(ILogger logger, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested && !_server.IsClosed)
        {
            await Task.Delay(RetryDelay, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                using var socket = await ConnectAsync(stopping).ConfigureAwait(false);
                using var stream = new NetworkStream(socket);
                using var reader = new StreamReader(stream, Encoding.Latin1);
                await SendAsync(stream, "version\r\n", stopping).ConfigureAwait(false);
                if ((await ReadLineAsync(reader, stopping).ConfigureAwait(false))?.StartsWith("VERSION ", StringComparison.Ordinal) != true)
                {
                    continue;
                }
                await Task.Delay(RetryDelay, stopping).ConfigureAwait(false);
                lock (_lock)
                {
                    _draining = true;
                }
                while (true)
                {
                    HashSet<string> keys;
                    bool flush;
                    lock (_lock)
                    {
                        if (!_draining)
                        {
                            break; // failed again: wait until it answers
                        }
                        if (_keys.Count == 0 && !_overflow)
                        {
                            _released = true;
                            _server.ReleaseMissedWrites(this);
                            return;
                        }
                        keys = [.. _keys];
                        flush = _overflow;
                    }
                    // Twice, a second apart: a write the server took before it stopped but runs only
                    // now (left in the socket of a connection the proxy closed on a timeout, or in its
                    // accept queue) must not outlive the delete.
                    if (!await ApplyAsync(stream, reader, keys, flush, stopping).ConfigureAwait(false))
                    {
                        break;
                    }
                    await Task.Delay(2 * RetryDelay, stopping).ConfigureAwait(false);
                    if (!await ApplyAsync(stream, reader, keys, flush, stopping).ConfigureAwait(false))
                    {
                        break;
                    }
                    lock (_lock)
                    {
                        if (_draining)
                        {
                            _keys.ExceptWith(keys);
                            _overflow &= !flush;
                        }
                    }
                    logger.ServerMissedWritesCleaned(_server.Name, flush ? "flushed" : $"{keys.Count} keys deleted");
                }
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // Not back yet (or gone again): try later.
            }
        }
    }

    /// <summary>Deletes every key (pipelined in batches; each reply DELETED or NOT_FOUND, or HD or NF for a meta delete), or flush_all; false when the server did not say so.</summary>
    private static async Task<bool> ApplyAsync(NetworkStream stream, StreamReader reader, HashSet<string> keys, bool flush, CancellationToken stopping)
    {
        if (flush)
        {
            await SendAsync(stream, "flush_all\r\n", stopping).ConfigureAwait(false);
            return await ReadLineAsync(reader, stopping).ConfigureAwait(false) == "OK";
        }
        var batch = new StringBuilder();
        var pending = 0;
        var left = keys.Count;
        foreach (var key in keys)
        {
            if (key.Any(c => c <= ' ' || c >= (char)0x7f))
            {
                // A binary or base64 meta client's key the text protocol cannot carry: meta delete with a base64 key.
                batch.Append("md ").Append(Convert.ToBase64String(Encoding.Latin1.GetBytes(key))).Append(" b\r\n");
            }
            else
            {
                batch.Append("delete ").Append(key).Append("\r\n");
            }
            pending++;
            left--;
            if (pending == 100 || left == 0)
            {
                await SendAsync(stream, batch.ToString(), stopping).ConfigureAwait(false);
                for (; pending > 0; pending--)
                {
                    if (await ReadLineAsync(reader, stopping).ConfigureAwait(false) is not ("DELETED" or "NOT_FOUND" or "HD" or "NF"))
                    {
                        return false;
                    }
                }
                batch.Clear();
            }
        }
        return true;
    }

    private async Task<Socket> ConnectAsync(CancellationToken stopping)
    {
        var config = _server.Config;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        if (config.IsUnix)
        {
            var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await unix.ConnectAsync(new UnixDomainSocketEndPoint(config.UnixPath!), timeout.Token).ConfigureAwait(false);
            return unix;
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(config.Host!, config.Port, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }

    private static async Task SendAsync(NetworkStream stream, string text, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        await stream.WriteAsync(Encoding.Latin1.GetBytes(text), timeout.Token).ConfigureAwait(false);
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        return await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
    }
}
