using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;

namespace Sharpcracker.ControlPlane;

/// <summary>
/// A small RESP2 client for the proxy's control connections (ROLE checks, CLUSTER SLOTS, Sentinel
/// queries and its event subscription), off the workers, on the thread pool, over a stream: the
/// socket itself, or TLS over it to a data node of a <c>server_tls</c> pool (<see cref="ProbeStream"/>:
/// the data path's verification, SNI and client certificate). Replies come back as <c>string</c>
/// (simple and bulk strings), <c>long</c>, <see cref="RespErrorReply"/>, <c>object?[]</c> (arrays)
/// or null (nil). Not for the request path: it allocates freely.
/// </summary>
internal sealed class RespClient : IDisposable
{
    /// <summary>Control replies are small (CLUSTER SLOTS has at most 16384 ranges); a bigger bulk or array length is a malformed reply.</summary>
    private const int MaxLength = 1 << 20;

    private readonly Socket? _socket;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private RespClient(Socket? socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    /// <summary>Reads replies already in <paramref name="stream"/> (tests parse canned replies this way).</summary>
    internal RespClient(Stream stream) : this(null, stream)
    {
    }

    /// <summary>Plaintext TCP to a sentinel: sentinels are reached in plaintext even in a <c>server_tls</c> pool (docs/redis.md).</summary>
    public static async Task<RespClient> ConnectToSentinelAsync(string host, int port, TimeSpan timeout, CancellationToken cancel)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            cts.CancelAfter(timeout);
            await socket.ConnectAsync(host, port, cts.Token).ConfigureAwait(false);
            return new RespClient(socket, new NetworkStream(socket, ownsSocket: false));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A data node of <paramref name="pool"/> (a redis-server: ROLE checks, CLUSTER SLOTS): TLS when the
    /// pool has <c>server_tls</c>, with the same checks as its server connections; the handshake is
    /// within <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The TLS handshake failed (certificate refused).</exception>
    public static async Task<RespClient> ConnectAsync(ServerConfig node, PoolConfig pool, TimeSpan timeout, CancellationToken cancel)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(timeout);
        var (socket, endpoint) = await ServerEndpoint.CreateAsync(node, cts.Token).ConfigureAwait(false);
        try
        {
            await socket.ConnectAsync(endpoint, cts.Token).ConfigureAwait(false);
            return new RespClient(socket, await ProbeStream.OpenAsync(socket, node, pool, cts.Token).ConfigureAwait(false));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A data node, connected as <see cref="ConnectAsync(ServerConfig, PoolConfig, TimeSpan, CancellationToken)"/>
    /// and authenticated with the pool's redis_auth. <see cref="IOException"/> when AUTH is refused.
    /// </summary>
    public static async Task<RespClient> ConnectAuthenticatedAsync(ServerConfig node, PoolConfig pool, TimeSpan timeout, CancellationToken cancel)
    {
        var client = await ConnectAsync(node, pool, timeout, cancel).ConfigureAwait(false);
        if (pool.RedisAuth is { } password && await client.CallAsync(timeout, cancel, "AUTH", password).ConfigureAwait(false) is RespErrorReply error)
        {
            client.Dispose();
            throw new IOException("AUTH refused: " + error.Message);
        }
        return client;
    }

    /// <summary>Sends one command and reads its reply within <paramref name="timeout"/>.</summary>
    public async Task<object?> CallAsync(TimeSpan timeout, CancellationToken cancel, params string[] args)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(timeout);
        await SendAsync(cts.Token, args).ConfigureAwait(false);
        return await ReadAsync(cts.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the commands in one write and reads their replies: a single-threaded server (a
    /// sentinel) answers them from one state, with no timer event in between.
    /// </summary>
    public async Task<object?[]> CallManyAsync(TimeSpan timeout, CancellationToken cancel, params string[][] commands)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(timeout);
        await SendAsync(cts.Token, commands).ConfigureAwait(false);
        var replies = new object?[commands.Length];
        for (var i = 0; i < replies.Length; i++)
        {
            replies[i] = await ReadAsync(cts.Token).ConfigureAwait(false);
        }
        return replies;
    }

    public Task SendAsync(CancellationToken cancel, params string[] args) => SendAsync(cancel, [args]);

    private async Task SendAsync(CancellationToken cancel, string[][] commands)
    {
        var text = new StringBuilder();
        foreach (var args in commands)
        {
            text.Append('*').Append(args.Length).Append("\r\n");
            foreach (var a in args)
            {
                text.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
            }
        }
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancel).ConfigureAwait(false);
        await _stream.FlushAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>Reads one whole reply (a pushed pub/sub message too).</summary>
    public async Task<object?> ReadAsync(CancellationToken cancel)
    {
        var line = await ReadLineAsync(cancel).ConfigureAwait(false);
        if (line.Length == 0)
        {
            throw new IOException("empty RESP line");
        }
        var body = line[1..];
        switch (line[0])
        {
            case '+':
                return body;
            case '-':
                return new RespErrorReply(body);
            case ':':
                return Number(body);
            case '$':
                {
                    var n = Length(body);
                    if (n < 0)
                    {
                        return null;
                    }
                    await FillAsync(n + 2, cancel).ConfigureAwait(false);
                    var s = Encoding.UTF8.GetString(_buffer, _start, n);
                    _start += n + 2;
                    return s;
                }
            case '*':
                {
                    var n = Length(body);
                    if (n < 0)
                    {
                        return null;
                    }
                    var items = new object?[n];
                    for (var i = 0; i < n; i++)
                    {
                        items[i] = await ReadAsync(cancel).ConfigureAwait(false);
                    }
                    return items;
                }
            default:
                throw new IOException($"unexpected RESP line '{line}'");
        }
    }

    /// <exception cref="FormatException">Not an integer (an overflowing one included): a malformed reply.</exception>
    private static long Number(string text)
        => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"bad RESP integer '{text}'");

    /// <summary>A bulk or array length: -1 (nil) up to <see cref="MaxLength"/>; anything else is a malformed reply.</summary>
    private static int Length(string text)
        => Number(text) is var n && n is >= -1 and <= MaxLength ? (int)n : throw new FormatException($"bad RESP length '{text}'");


    private async Task<string> ReadLineAsync(CancellationToken cancel)
    {
        while (true)
        {
            var nl = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (nl >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, nl);
                _start += nl + 2;
                return line;
            }
            await FillAsync(_end - _start + 1, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Until at least <paramref name="count"/> unread bytes are buffered.</summary>
    private async Task FillAsync(int count, CancellationToken cancel)
    {
        if (count > _buffer.Length)
        {
            throw new IOException($"control reply larger than {_buffer.Length} bytes");
        }
        while (_end - _start < count)
        {
            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancel).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("connection closed");
            }
            _end += n;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket?.Dispose();
    }
}
