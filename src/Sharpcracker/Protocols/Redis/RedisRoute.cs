using System.Text;

namespace Sharpcracker.Protocols.Redis;

/// <summary>How the proxy serves a command.</summary>
internal enum RedisRoute : byte
{
    /// <summary>Not known to the proxy's table: redis-server would say "unknown command".</summary>
    None,
    /// <summary>The key is argv[1].</summary>
    Single,
    /// <summary>Keys at first..last step (last negative counts from the end); all must map to one server.</summary>
    KeyRange,
    /// <summary>MGET: split per server, arrays merged back in key order.</summary>
    Mget,
    /// <summary>MSET: split per server (key/value pairs), +OK when every fragment said +OK.</summary>
    Mset,
    /// <summary>DEL, UNLINK, TOUCH, EXISTS: split per server, integer replies summed.</summary>
    SumKeys,
    /// <summary>EVAL and friends: numkeys at argv[2], keys from argv[3]; all must map to one server.</summary>
    Eval,
    /// <summary>ZUNION, ZINTER, SINTERCARD, LMPOP, …: numkeys at argv[1], keys from argv[2].</summary>
    NumKeysFirst,
    /// <summary>ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE: destination argv[1], numkeys argv[2], keys from argv[3].</summary>
    DestNumKeys,
    /// <summary>SORT, GEORADIUS*: key argv[1], plus the destination after STORE / STOREDIST.</summary>
    SortStore,
    /// <summary>OBJECT, XINFO, XGROUP: container whose keyed subcommands take the key at argv[2].</summary>
    SubcommandKey,
    /// <summary>No key: forwarded to any live server (COMMAND).</summary>
    Any,
    /// <summary>SUBSCRIBE, UNSUBSCRIBE, their P and S forms, PUBSUB: the worker's pub/sub hub (RedisClientSession.PubSub.cs).</summary>
    PubSub,
    /// <summary>Answered by the proxy itself.</summary>
    Local,
    /// <summary>
    /// May block on the server (BLPOP, BLMOVE, BZMPOP, XREAD … BLOCK, WAIT): sent on a dedicated
    /// connection, the client parsed no further until the reply (RedisClientSession.Blocking.cs).
    /// </summary>
    Blocking,
    /// <summary>MULTI, EXEC, DISCARD, WATCH, UNWATCH: a transaction pinned to one server (RedisClientSession.Transaction.cs).</summary>
    Transaction,
    /// <summary>Known to redis-server, refused by the proxy (cross-shard, blocking, pub/sub, transactions, admin).</summary>
    Unsupported,
    /// <summary>A subcommand row ("client|setname"): arity and key position of a container's subcommand.</summary>
    Sub,
    /// <summary>SCAN: one cursor over every shard's master in turn (<see cref="ScanCursor"/>, RedisClientSession.Keyspace.cs).</summary>
    Scan,
    /// <summary>
    /// KEYS, DBSIZE, RANDOMKEY, FLUSHDB, FLUSHALL and the CONFIG / SCRIPT / FUNCTION containers: sent
    /// to every shard's master (or every server), the replies merged into one (<see cref="RedisFanout"/>).
    /// </summary>
    Fanout,
    /// <summary>CONFIG, SCRIPT, FUNCTION: containers whose subcommands fan out (<see cref="Fanout"/>) or go to any one server.</summary>
    FanoutSub,
}
