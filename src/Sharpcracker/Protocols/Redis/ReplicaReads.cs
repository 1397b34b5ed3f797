namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// Which commands a replication group may send to a replica. Under a read_policy: the commands
/// redis-server flags <c>readonly</c> (RedisCommandTable.ReadOnly.cs, generated), except scripts
/// (EVAL_RO, FCALL_RO: they go to the master with every other script). Under the twemproxy fork's
/// <c>master</c> rule: its own list (<c>redis_readonly</c> in its proto/nc_redis.c), kept as it is —
/// it misses HMGET, ZREVRANGEBYSCORE, GEO* and others, which therefore go to the master.
/// </summary>
internal static class ReplicaReads
{
    /// <summary>The fork's read commands (docs/redis.md lists them).</summary>
    public static readonly HashSet<string> ForkReadCommands = new(StringComparer.Ordinal)
    {
        "ping", "auth", "get", "mget", "ttl", "pttl", "type", "dump", "strlen", "exists", "getrange", "getbit", "bitcount",
        "hget", "hlen", "hvals", "hkeys", "hscan", "hgetall", "hexists",
        "llen", "lindex", "lrange", "pfcount",
        "zcard", "zrank", "zscan", "zcount", "zrange", "zscore", "zrevrank", "zlexcount", "zrevrange", "zrangebylex", "zrangebyscore",
        "scard", "sscan", "sdiff", "sinter", "sunion", "smembers", "sismember", "srandmember",
    };

    /// <summary>
    /// The fork forwards these only in a pool with a master (to the master) and answers
    /// "unknown command" elsewhere (its redis_master_slave_only).
    /// </summary>
    public static readonly HashSet<string> ForkMasterOnlyCommands = new(StringComparer.Ordinal)
    {
        "rename", "renamenx", "scan", "bitop", "msetnx",
    };

    /// <summary>Whether a command (its row, and its subcommand's row for containers) is a read under the given rule.</summary>
    public static bool IsRead(RedisCommandInfo info, RedisCommandInfo sub, bool forkRule)
        => forkRule ? info.IsForkRead : sub.IsReadOnly && info.Route != RedisRoute.Eval;
}
