using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Routing;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// redis_auth and redis_db on a new backend connection: AUTH first, then SELECT (twemproxy
/// sends SELECT before AUTH, so with a password the SELECT fails and data lands in db 0). A
/// refusal becomes the connection's failure reason, so clients see why instead of an empty db.
/// A redis_cluster pool whose reads may go to replicas sends READONLY last, on every connection:
/// a replica then serves reads of its master's slots instead of answering MOVED, and a master
/// ignores it. Under the master policy it is not sent, so a master demoted to replica while its
/// connections stay open answers MOVED to reads rather than serving them stale.
/// </summary>
internal sealed class RedisServerHandshake : IServerHandshake
{
    private readonly byte[] _request;
    private readonly int _replies;
    private readonly string[] _names;

    private RedisServerHandshake(byte[] request, string[] names)
    {
        _request = request;
        _replies = names.Length;
        _names = names;
    }

    /// <summary>The handshake a pool needs, or null when it has none of redis_auth, redis_db and cluster replica reads.</summary>
    public static RedisServerHandshake? For(PoolConfig config)
    {
        var readOnly = config.Distribution == DistributionKind.RedisCluster && config.RoutesReads;
        if (!config.Redis || (config.RedisAuth is null && config.RedisDb == 0 && !readOnly))
        {
            return null;
        }
        var names = new List<string>(3);
        var buffer = new ByteBuffer();
        if (config.RedisAuth is { } auth)
        {
            buffer.Write("*2\r\n"u8);
            RedisReplies.WriteBulk(buffer, "AUTH"u8);
            RedisReplies.WriteBulk(buffer, auth);
            names.Add("backend authentication failed");
        }
        if (config.RedisDb != 0)
        {
            buffer.Write("*2\r\n"u8);
            RedisReplies.WriteBulk(buffer, "SELECT"u8);
            RedisReplies.WriteBulk(buffer, config.RedisDb.ToString(System.Globalization.CultureInfo.InvariantCulture));
            names.Add("backend SELECT failed");
        }
        if (readOnly)
        {
            buffer.Write("*1\r\n$8\r\nREADONLY\r\n"u8);
            names.Add("backend READONLY failed");
        }
        return new RedisServerHandshake(buffer.Span.ToArray(), [.. names]);
    }

    public ReadOnlySpan<byte> Request => _request;

    public int Replies => _replies;

    public ServerFailure? Check(int index, ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[0] == (byte)'+')
        {
            return null;
        }
        return ServerFailure.HandshakeRefused($"{_names[index]}: {Encoding.UTF8.GetString(line).TrimStart('-', '+')}");
    }
}
