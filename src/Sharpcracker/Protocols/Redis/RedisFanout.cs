namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// How the replies of a command sent to several servers (<see cref="RedisRoute.Scan"/>,
/// <see cref="RedisRoute.Fanout"/>, INFO) become the client's one reply. Unless stated, the first
/// error reply (in server order) answers the whole command.
/// </summary>
internal enum RedisFanout : byte
{
    None,
    /// <summary>SCAN on one server: its cursor re-encoded with the server's index (<see cref="ScanCursor"/>).</summary>
    Scan,
    /// <summary>KEYS: the arrays concatenated.</summary>
    Concat,
    /// <summary>DBSIZE: the integers summed.</summary>
    Sum,
    /// <summary>FLUSHDB, FLUSHALL, SCRIPT FLUSH, CONFIG SET, …: +OK when every server said +OK.</summary>
    AllOk,
    /// <summary>
    /// SCRIPT LOAD, FUNCTION LOAD / LIST: the first server's reply when every server gave the same
    /// bytes (or, for an array, the same elements in another order); an error when they differ.
    /// </summary>
    Same,
    /// <summary>SCRIPT EXISTS: 1 at a position only where every server said 1.</summary>
    ExistsAll,
    /// <summary>SCRIPT KILL, FUNCTION KILL: +OK when any server killed one; otherwise the first reply (NOTBUSY).</summary>
    Kill,
    /// <summary>RANDOMKEY: a key from a server picked at random among those that had one; a null only when none had.</summary>
    RandomKey,
    /// <summary>INFO: the proxy's own text plus blocked_clients and the keyspace summed over the servers that answered.</summary>
    Info,
}
