using System.Collections.Frozen;

namespace Sharpcracker.Configuration;

/// <summary>
/// The names redis_refuse_commands may list: every command redis-server 7.0.15 knows, and the
/// subcommands ("config|set") of the containers whose subcommand the proxy looks up (CLIENT,
/// CONFIG, SCRIPT, FUNCTION, OBJECT, XINFO, XGROUP; not COMMAND, passed on whole). The same names
/// as the Redis protocol's command table (a unit test keeps them equal); here because
/// configuration is checked before any protocol exists (and sits below it in the layers).
/// </summary>
internal static class RedisCommandNames
{
    public static readonly FrozenSet<string> All = FrozenSet.ToFrozenSet(
    [
        "acl", "append", "asking", "auth", "bgrewriteaof", "bgsave", "bitcount", "bitfield", "bitfield_ro",
        "bitop", "bitpos", "blmove", "blmpop", "blpop", "brpop", "brpoplpush", "bzmpop", "bzpopmax",
        "bzpopmin", "client", "client|caching", "client|getname", "client|getredir", "client|help",
        "client|id", "client|info", "client|kill", "client|list", "client|no-evict", "client|no-touch",
        "client|setinfo", "client|pause", "client|reply", "client|setname", "client|tracking",
        "client|trackinginfo", "client|unblock", "client|unpause", "cluster", "command",

        "config", "config|get", "config|help", "config|resetstat", "config|rewrite",
        "config|set", "copy", "dbsize", "debug", "decr", "decrby", "del", "discard", "dump", "echo", "eval",
        "eval_ro", "evalsha", "evalsha_ro", "exec", "exists", "expire", "expireat", "expiretime", "failover",
        "fcall", "fcall_ro", "flushall", "flushdb", "function", "function|delete", "function|dump",
        "function|flush", "function|help", "function|kill", "function|list", "function|load",
        "function|restore", "function|stats", "geoadd", "geodist", "geohash", "geopos", "georadius",
        "georadius_ro", "georadiusbymember", "georadiusbymember_ro", "geosearch", "geosearchstore", "get",
        "getbit", "getdel", "getex", "getrange", "getset", "hdel", "hello", "hexists", "hget", "hgetall",
        "hincrby", "hincrbyfloat", "hkeys", "hlen", "hmget", "hmset", "hrandfield", "hscan", "hset", "hsetnx",
        "hstrlen", "hvals", "incr", "incrby", "incrbyfloat", "info", "keys", "lastsave", "latency", "lcs",
        "lindex", "linsert", "llen", "lmove", "lmpop", "lolwut", "lpop", "lpos", "lpush", "lpushx", "lrange",
        "lrem", "lset", "ltrim", "memory", "mget", "migrate", "module", "monitor", "move", "mset", "msetnx",
        "multi", "object", "object|encoding", "object|freq", "object|help", "object|idletime",
        "object|refcount", "persist", "pexpire", "pexpireat", "pexpiretime", "pfadd", "pfcount", "pfdebug",
        "pfmerge", "pfselftest", "ping", "psetex", "psubscribe", "psync", "pttl", "publish", "pubsub",
        "pubsub|channels", "pubsub|help", "pubsub|numpat", "pubsub|numsub", "pubsub|shardchannels", "pubsub|shardnumsub",
        "punsubscribe", "quit", "randomkey", "readonly", "readwrite", "rename", "renamenx", "replconf",
        "replicaof", "reset", "restore", "restore-asking", "role", "rpop", "rpoplpush", "rpush", "rpushx",
        "sadd", "save", "scan", "scard", "script", "script|debug", "script|exists", "script|flush",
        "script|help", "script|kill", "script|load", "sdiff", "sdiffstore", "select", "set", "setbit",
        "setex", "setnx", "setrange", "shutdown", "sinter", "sintercard", "sinterstore", "sismember",
        "slaveof", "slowlog", "smembers", "smismember", "smove", "sort", "sort_ro", "spop", "spublish",
        "srandmember", "srem", "sscan", "ssubscribe", "strlen", "subscribe", "substr", "sunion",
        "sunionstore", "sunsubscribe", "swapdb", "sync", "time", "touch", "ttl", "type", "unlink",
        "unsubscribe", "unwatch", "wait", "watch", "xack", "xadd", "xautoclaim", "xclaim", "xdel", "xgroup",
        "xgroup|create", "xgroup|createconsumer", "xgroup|delconsumer", "xgroup|destroy", "xgroup|help",
        "xgroup|setid", "xinfo", "xinfo|consumers", "xinfo|groups", "xinfo|help", "xinfo|stream", "xlen",
        "xpending", "xrange", "xread", "xreadgroup", "xrevrange", "xsetid", "xtrim", "zadd", "zcard",
        "zcount", "zdiff", "zdiffstore", "zincrby", "zinter", "zintercard", "zinterstore", "zlexcount",
        "zmpop", "zmscore", "zpopmax", "zpopmin", "zrandmember", "zrange", "zrangebylex", "zrangebyscore",
        "zrangestore", "zrank", "zrem", "zremrangebylex", "zremrangebyrank", "zremrangebyscore", "zrevrange",
        "zrevrangebylex", "zrevrangebyscore", "zrevrank", "zscan", "zscore", "zunion", "zunionstore",
    ], StringComparer.Ordinal);
}
