namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// Commands sent in order to redis-server directly and through the proxy. One argument per
/// space; "~" inside an argument stands for a space. A line starting with "1|" has keys that
/// must share one server (SINTER, RENAME, …), so it runs only in the one-backend comparison.
/// Replies must not depend on time or randomness (sets hold integers: intsets list in order).
/// </summary>
internal static class RedisCorpus
{
    private const string Text = """
        PING
        PING hello
        ECHO hello~world
        SET s1 v1
        GET s1
        GET missing
        SET s1 v2 XX
        SET s2 v NX
        SET s2 other NX
        SET s3 v GET
        GETSET s1 v3
        GETDEL s3
        GET s3
        APPEND s1 tail
        STRLEN s1
        GETRANGE s1 0 3
        SETRANGE s1 2 ZZ
        GET s1
        SUBSTR s1 1 2
        SETNX s4 x
        SETNX s4 y
        SETEX s5 1000 v
        PSETEX s6 100000 v
        SET n1 10
        INCR n1
        INCRBY n1 5
        DECR n1
        DECRBY n1 3
        INCRBYFLOAT n1 1.5
        INCR s1
        INCRBY n1 notanumber
        SETBIT b1 7 1
        GETBIT b1 7
        GETBIT b1 100
        BITCOUNT b1
        BITPOS b1 1
        BITFIELD b2 SET u8 0 200 GET u8 0
        BITFIELD_RO b2 GET u4 0
        1|BITOP AND b3 b1 b2
        GETEX s1
        LCS s1 s1
        MSET m1 a m2 b m3 c m4 d m5 e
        MGET m1 m2 m3 m4 m5 missing m1
        MGET m3
        MSET m1 A
        MSET m1 A m2
        MSETNX m1 x
        1|MSETNX mx1 x mx2 y
        EXISTS m1 m2 m3 missing m1
        TOUCH m1 m2 missing
        DEL m4 m5 missing
        UNLINK m1 missing
        EXISTS m1 m4
        TYPE m2
        TYPE missing
        EXPIREAT m2 4102444800
        EXPIRETIME m2
        PEXPIRETIME m2
        PERSIST m2
        TTL m2
        PTTL missing
        EXPIRE missing 10
        DUMP m3
        1|RENAME m3 m3b
        1|RENAMENX m3b m2
        1|COPY m2 m2copy
        GET m2copy
        LPUSH l1 a b c
        RPUSH l1 d e f
        LPUSHX l1 z
        RPUSHX missing z
        LLEN l1
        LRANGE l1 0 -1
        LINDEX l1 2
        LSET l1 0 first
        LINSERT l1 BEFORE d mid
        LPOS l1 d
        LREM l1 1 mid
        LTRIM l1 0 5
        LPOP l1
        RPOP l1
        LPOP l1 2
        LRANGE l1 0 -1
        1|RPOPLPUSH l1 l2
        1|LMOVE l1 l2 LEFT RIGHT
        1|LRANGE l2 0 -1
        1|LMPOP 2 l1 l2 LEFT COUNT 1
        LPOP s1
        GET l1
        SADD st1 1 2 3 4
        SADD st1 1
        SCARD st1
        SISMEMBER st1 1
        SMISMEMBER st1 1 99
        SMEMBERS st1
        SREM st1 4
        SADD st2 2 3 9
        1|SINTER st1 st2
        1|SUNION st1 st2
        1|SDIFF st1 st2
        1|SINTERSTORE st3 st1 st2
        1|SUNIONSTORE st4 st1 st2
        1|SDIFFSTORE st5 st1 st2
        1|SINTERCARD 2 st1 st2
        1|SMOVE st1 st2 1
        SSCAN st2 0 COUNT 100
        SADD single only
        SPOP single
        SRANDMEMBER single
        HSET h1 f1 v1 f2 v2
        HSETNX h1 f1 x
        HSETNX h1 f3 v3
        HGET h1 f1
        HMGET h1 f1 nope f3
        HGETALL h1
        HKEYS h1
        HVALS h1
        HLEN h1
        HEXISTS h1 f2
        HDEL h1 f2
        HSTRLEN h1 f1
        HINCRBY h1 cnt 5
        HINCRBYFLOAT h1 fl 2.5
        HMSET h1 a 1 b 2
        HSCAN h1 0
        HGET s1 f
        ZADD z1 1 a 2 b 3 c
        ZADD z1 XX CH 5 a
        ZCARD z1
        ZSCORE z1 a
        ZMSCORE z1 a nope
        ZRANK z1 b
        ZREVRANK z1 b
        ZRANGE z1 0 -1 WITHSCORES
        ZREVRANGE z1 0 1
        ZRANGEBYSCORE z1 2 10
        ZREVRANGEBYSCORE z1 10 2
        ZCOUNT z1 -inf +inf
        ZINCRBY z1 10 b
        ZLEXCOUNT z1 - +
        ZRANGEBYLEX z1 - +
        ZREVRANGEBYLEX z1 + -
        ZREM z1 c
        ZADD z2 1 a 1 x
        1|ZUNIONSTORE z3 2 z1 z2
        1|ZINTERSTORE z4 2 z1 z2 WEIGHTS 1 2
        1|ZDIFFSTORE z5 2 z1 z2
        1|ZUNION 2 z1 z2 WITHSCORES
        1|ZINTER 2 z1 z2
        1|ZDIFF 2 z1 z2
        1|ZINTERCARD 2 z1 z2
        1|ZRANGESTORE z6 z1 0 -1
        ZPOPMIN z2
        ZPOPMAX z2
        ZREMRANGEBYRANK z1 0 0
        ZREMRANGEBYSCORE z1 100 200
        ZREMRANGEBYLEX z1 [a [a
        ZSCAN z1 0
        ZADD z1 nan a
        PFADD hl1 a b c d
        PFADD hl1 a
        PFCOUNT hl1
        PFADD hl2 x y
        1|PFCOUNT hl1 hl2
        1|PFMERGE hl3 hl1 hl2
        GEOADD g1 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        GEODIST g1 Palermo Catania km
        GEOHASH g1 Palermo
        GEOPOS g1 Catania nope
        GEOSEARCH g1 FROMLONLAT 15 37 BYRADIUS 200 km ASC
        GEORADIUS_RO g1 15 37 200 km
        GEORADIUS g1 15 37 200 km WITHDIST
        GEORADIUSBYMEMBER g1 Palermo 300 km
        XADD x1 1-1 f v
        XADD x1 2-1 f w
        XLEN x1
        XRANGE x1 - +
        XREVRANGE x1 + - COUNT 1
        XDEL x1 1-1
        XTRIM x1 MAXLEN 0
        XINFO GROUPS x1
        XGROUP CREATE x1 grp 0
        SORT l1 ALPHA
        SORT_RO l1 ALPHA LIMIT 0 1
        1|SORT l1 ALPHA STORE l1sorted
        EVAL return~1 0
        EVAL return~redis.call('get',KEYS[1]) 1 s1
        EVAL return~ARGV[1] 0 hello
        EVALSHA 0000000000000000000000000000000000000000 1 s1
        OBJECT ENCODING l1
        OBJECT ENCODING missing
        OBJECT HELP
        COMMAND COUNT
        COMMAND INFO get
        GET
        SET onlykey
        HSET h1 odd
        ZADD z1 1
        NOSUCHCOMMAND a b
        get_with_underscore
        gEt s1
        EXISTS
        MGET
        DEL
        OBJECT NOSUCH
        """;

    public sealed record Command(string[] Args, bool SameServerOnly)
    {
        public override string ToString() => string.Join(' ', Args);
    }

    public static IReadOnlyList<Command> All { get; } = ParseLines(Text);

    /// <summary>One command per non-empty line, in this corpus's notation ("~" is a space, "1|" one server).</summary>
    public static IReadOnlyList<Command> ParseLines(string text) => text
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(line =>
        {
            var same = line.StartsWith("1|", StringComparison.Ordinal);
            var args = (same ? line[2..] : line).Split(' ').Select(a => a.Replace('~', ' ')).ToArray();
            return new Command(args, same);
        })
        .ToList();
}
