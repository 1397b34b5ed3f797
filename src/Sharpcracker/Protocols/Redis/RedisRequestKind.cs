
namespace Sharpcracker.Protocols.Redis;

internal enum RedisRequestKind : byte
{
    /// <summary>Answered by the proxy; Reply holds the bytes.</summary>
    Local,
    /// <summary>Forwarded to one server; the reply passed through.</summary>
    Single,
    /// <summary>Split over servers (or cluster slots) into Fragments; the merge depends on <see cref="RedisRequest.Route"/>.</summary>
    Split,
    Fragment,
    /// <summary>Sent to several servers (SCAN, KEYS, FLUSHALL, INFO, …); merged by <see cref="RedisRequest.Fanout"/>.</summary>
    Fanout,
    /// <summary>
    /// HELLO: a bare HELLO sent to a server for its version; the write loop answers the client's
    /// HELLO from it (<see cref="RedisRequest.Protover"/>) and switches the client's protocol.
    /// </summary>
    Hello,
    /// <summary>
    /// Sent on the client's dedicated connection (a blocking command, or a transaction's last
    /// command): the reply is written as it came, then the connection is given back if the
    /// client holds nothing more on it.
    /// </summary>
    Dedicated,
    /// <summary>
    /// SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE: Reply holds the confirmations, written once the
    /// subscription connections confirmed (RedisClientSession.PubSub.cs).
    /// </summary>
    PubSub,
    /// <summary>Close the client once everything before it has been written (after writing Reply).</summary>
    Quit,
}
