
namespace Sharpcracker.Protocols.Redis;

internal enum RespParseStatus : byte
{
    /// <summary>One command parsed; Consumed bytes belong to it.</summary>
    Command,
    /// <summary>Consumed bytes held no command (empty inline line, *0, *-1): redis-server ignores them.</summary>
    Empty,
    /// <summary>Incomplete; at least Needed bytes must be buffered before parsing again.</summary>
    NeedMore,
    /// <summary>Protocol error: reply "-ERR Protocol error: …" and close, as redis-server does.</summary>
    Error,
}
