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
/// A redis_cluster pool whose reads may go to replicas sends READONLY, on every connection:
/// a replica then serves reads of its master's slots instead of answering MOVED, and a master
/// ignores it. Under the master policy it is not sent, so a master demoted to replica while its
/// connections stay open answers MOVED to reads rather than serving them stale. A RESP3
/// connection (<see cref="ServerDialect.Alternate"/>) sends <c>HELLO 3</c> last, after AUTH, so
/// every reply on it is RESP3 and passes to RESP3 clients byte for byte.
/// </summary>
internal sealed class RedisServerHandshake : IServerHandshake
{
    private readonly byte[] _request;
    private readonly string[] _names;

    private RedisServerHandshake(byte[] request, string[] names)
    {
        _request = request;
        _names = names;
    }

    /// <summary>The handshake a pool's connections of one protocol need, or null when they need none.</summary>
    public static RedisServerHandshake? For(PoolConfig config, bool resp3)
    {
        var readOnly = config.Distribution == DistributionKind.RedisCluster && config.RoutesReads;
        if (!config.Redis || (config.RedisAuth is null && config.RedisDb == 0 && !readOnly && !resp3))
        {
            return null;
        }
        var names = new List<string>(4);
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
        if (resp3)
        {
            buffer.Write(Hello3);
            names.Add(Hello3Refused);
        }
        return new RedisServerHandshake(buffer.Span.ToArray(), [.. names]);
    }

    /// <summary>The last step of a RESP3 connection's handshake.</summary>
    public static ReadOnlySpan<byte> Hello3 => "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"u8;

    private const string Hello3Refused = "backend HELLO 3 failed";

    public ReadOnlySpan<byte> Request => _request;

    public int Replies => _names.Length;

    public int ReplyLength(int index, ReadOnlySpan<byte> data)
    {
        var scan = 0;
        long remaining = 0;
        return RespReplyFramer.Frame(data, ref scan, ref remaining);
    }

    /// <summary>+OK for AUTH, SELECT and READONLY; HELLO 3's map (%) on a RESP3 connection.</summary>
    public ServerFailure? Check(int index, ReadOnlySpan<byte> reply)
    {
        var accepted = ReferenceEquals(_names[index], Hello3Refused) ? (byte)'%' : (byte)'+';
        if (reply.Length > 0 && reply[0] == accepted)
        {
            return null;
        }
        var line = reply[..Math.Max(0, reply.IndexOf((byte)'\r'))];
        return ServerFailure.HandshakeRefused($"{_names[index]}: {Encoding.UTF8.GetString(line).TrimStart('-', '+')}");
    }
}
