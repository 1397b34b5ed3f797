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

    public ReadOnlySpan<byte> Request => _request;

    public int Replies => _replies;

    public string? Check(int index, ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[0] == (byte)'+')
        {
            return null;
        }
        var what = index == 0 && _auth ? "backend authentication failed" : "backend SELECT failed";
        return $"{what}: {Encoding.UTF8.GetString(line).TrimStart('-', '+')}";
    }
}
