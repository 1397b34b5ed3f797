using System.Net.Sockets;
using System.Text;
using Sharpcracker.Configuration;
using Sharpcracker.Proxy;

namespace Sharpcracker.Redis;

/// <summary>
/// redis_auth and redis_db on a new backend connection: AUTH first, then SELECT (twemproxy
/// sends SELECT before AUTH, so with a password the SELECT fails and data lands in db 0). A
/// refusal becomes the connection's failure reason, so clients see why instead of an empty db.
/// </summary>
internal sealed class RedisBackendHandshake : IBackendHandshake
{
    private readonly byte[] _request;
    private readonly int _replies;
    private readonly bool _auth;

    private RedisBackendHandshake(byte[] request, int replies, bool auth)
    {
        _request = request;
        _replies = replies;
        _auth = auth;
    }

    /// <summary>The handshake a pool needs, or null when it has neither redis_auth nor redis_db.</summary>
    public static RedisBackendHandshake? For(PoolConfig config)
    {
        if (!config.Redis || (config.RedisAuth is null && config.RedisDb == 0))
        {
            return null;
        }
        var buffer = new ByteBuffer();
        var replies = 0;
        if (config.RedisAuth is { } auth)
        {
            buffer.Write("*2\r\n"u8);
            RedisReplies.WriteBulk(buffer, "AUTH"u8);
            RedisReplies.WriteBulk(buffer, auth);
            replies++;
        }
        if (config.RedisDb != 0)
        {
            buffer.Write("*2\r\n"u8);
            RedisReplies.WriteBulk(buffer, "SELECT"u8);
            RedisReplies.WriteBulk(buffer, config.RedisDb.ToString(System.Globalization.CultureInfo.InvariantCulture));
            replies++;
        }
        return new RedisBackendHandshake(buffer.Span.ToArray(), replies, config.RedisAuth is not null);
    }

    public async ValueTask<string?> RunAsync(Socket socket, CancellationToken cancellationToken)
    {
        var sent = 0;
        while (sent < _request.Length)
        {
            sent += await socket.SendAsync(_request.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        // The replies are short lines (+OK or -ERR …); read until all have arrived.
        var buffer = new byte[4096];
        var length = 0;
        for (var reply = 0; reply < _replies; reply++)
        {
            int nl;
            while ((nl = Array.IndexOf(buffer, (byte)'\n', 0, length)) < 0)
            {
                if (length == buffer.Length)
                {
                    return "backend handshake failed: reply too long";
                }
                var n = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return "backend closed the connection during the handshake";
                }
                length += n;
            }
            var line = Encoding.UTF8.GetString(buffer, 0, nl).TrimEnd('\r');
            Array.Copy(buffer, nl + 1, buffer, 0, length - nl - 1);
            length -= nl + 1;
            if (!line.StartsWith('+'))
            {
                var what = reply == 0 && _auth ? "backend authentication failed" : "backend SELECT failed";
                return $"{what}: {line.TrimStart('-', '+')}";
            }
        }
        return null;
    }
}
