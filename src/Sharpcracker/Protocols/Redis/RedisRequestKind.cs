
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
    /// <summary>Close the client once everything before it has been written (after writing Reply).</summary>
    Quit,
}
