namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// The RESP3 corpus: every command of <see cref="RedisCorpus"/> (same notation: "~" is a space
/// inside an argument, "1|" marks keys that must share one server), then commands whose replies
/// differ between RESP2 and RESP3 — maps, sets, doubles, nulls, booleans, verbatim strings and big
/// numbers (the last three only come from scripts in redis-server 7.0: Lua's <c>{double=…}</c>,
/// <c>{big_number=…}</c>, <c>{verbatim_string=…}</c>, and <c>true</c>/<c>false</c> after
/// <c>redis.setresp(3)</c>). Keys start with "r3" so they never meet the base corpus's. Replies
/// must not depend on time, randomness or a server's hash seed: sets hold integers (intsets list in
/// order), hashes and sorted sets are small (listpacks keep their order), random picks choose from
/// one element, streams have explicit ids.
/// </summary>
internal static class Resp3Corpus
{
    private const string Text = """
        GET r3missing
        GETDEL r3missing
        GETEX r3missing
        SET r3s1 v GET
        SET r3s1 w GET
        GETRANGE r3missing 0 -1
        MSET r3m1 a r3m2 b r3m3 c
        MGET r3m1 r3missing r3m2 r3missing2 r3m3 r3m1
        MGET r3missing
        EXISTS r3m1 r3m2 r3missing r3m3 r3m1
        TOUCH r3m1 r3missing r3m2
        DEL r3m3 r3missing r3m2
        UNLINK r3m1 r3missing
        EXISTS r3m1 r3m2 r3m3
        SET r3f 10.5
        INCRBYFLOAT r3f 0.25
        INCRBYFLOAT r3f 1e3
        INCRBYFLOAT r3f -10000
        HSET r3h f1 v1 f2 v2 f3 v3
        HGETALL r3h
        HGETALL r3missing
        HMGET r3h f1 nope f3
        HGET r3h nope
        HINCRBYFLOAT r3h fl 1.5
        HKEYS r3h
        HVALS r3h
        HSET r3hone only 1
        HRANDFIELD r3hone
        HRANDFIELD r3hone 1 WITHVALUES
        HRANDFIELD r3hone -2 WITHVALUES
        HRANDFIELD r3missing
        HRANDFIELD r3missing 2 WITHVALUES
        HSCAN r3h 0
        SADD r3set 3 1 2 10
        SMEMBERS r3set
        SMEMBERS r3missing
        SISMEMBER r3set 2
        SISMEMBER r3set 99
        SMISMEMBER r3set 1 99 3
        SRANDMEMBER r3missing
        SPOP r3missing
        SADD r3sone 7
        SRANDMEMBER r3sone 5
        SPOP r3sone 1
        SSCAN r3set 0
        ZADD r3z 1.5 a 2 b 3.25 c
        ZSCORE r3z a
        ZSCORE r3z nope
        ZSCORE r3missing a
        ZMSCORE r3z a nope c
        ZMSCORE r3missing a
        ZINCRBY r3z 0.25 a
        ZADD r3z INCR 2 b
        ZADD r3z NX INCR 1 a
        ZADD r3z GT CH 0.1 c
        ZRANGE r3z 0 -1 WITHSCORES
        ZRANGE r3z 0 -1
        ZRANGE r3z (1 +inf BYSCORE LIMIT 0 2 WITHSCORES
        ZRANGE r3z + - BYLEX REV
        ZREVRANGE r3z 0 1 WITHSCORES
        ZRANGEBYSCORE r3z -inf +inf WITHSCORES
        ZREVRANGEBYSCORE r3z +inf -inf WITHSCORES LIMIT 1 1
        ZRANK r3z nope
        ZREVRANK r3z a
        ZSCAN r3z 0
        ZADD r3zinf inf top -inf bottom 1e20 big 0.1 tenth
        ZRANGE r3zinf 0 -1 WITHSCORES
        ZSCORE r3zinf top
        ZSCORE r3zinf big
        ZADD r3zone 2.5 only
        ZRANDMEMBER r3zone
        ZRANDMEMBER r3zone 1 WITHSCORES
        ZRANDMEMBER r3zone -2 WITHSCORES
        ZRANDMEMBER r3missing
        ZRANDMEMBER r3missing 1 WITHSCORES
        ZPOPMIN r3z
        ZPOPMIN r3z 2
        ZPOPMAX r3zinf
        ZPOPMAX r3zinf 2
        ZPOPMIN r3missing
        RPUSH r3l a b c a b
        LPOS r3l a
        LPOS r3l a RANK 2
        LPOS r3l a COUNT 0
        LPOS r3l zz
        LPOS r3l zz COUNT 0
        LPOS r3missing a
        LINDEX r3l 99
        LPOP r3missing
        LPOP r3missing 2
        RPOP r3missing 2
        LRANGE r3missing 0 -1
        GEOADD r3g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        GEOPOS r3g Palermo nope Catania
        GEOPOS r3missing a
        GEODIST r3g Palermo Catania
        GEODIST r3g Palermo nope
        GEOHASH r3g Catania nope
        GEOSEARCH r3g FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHCOORD WITHDIST WITHHASH
        GEORADIUS_RO r3g 15 37 200 km WITHDIST ASC
        XADD r3x 1-1 f v
        XADD r3x 2-2 g w h x
        XINFO STREAM r3x
        XGROUP CREATE r3x g1 0
        XINFO GROUPS r3x
        XINFO CONSUMERS r3x g1
        XINFO STREAM r3x FULL
        XINFO STREAM r3missing
        XPENDING r3x g1
        XPENDING r3x g1 - + 10
        XRANGE r3x - +
        XREVRANGE r3x + - COUNT 1
        XRANGE r3missing - +
        OBJECT ENCODING r3h
        OBJECT ENCODING r3set
        OBJECT ENCODING r3z
        OBJECT ENCODING r3l
        OBJECT ENCODING r3f
        OBJECT ENCODING r3missing
        OBJECT REFCOUNT r3h
        OBJECT FREQ r3h
        TYPE r3set
        TTL r3missing
        EXPIRETIME r3h
        LCS r3h r3h
        SET r3lcs ohmytext
        LCS r3lcs r3lcs IDX
        LCS r3lcs r3lcs IDX MINMATCHLEN 2 WITHMATCHLEN
        LCS r3lcs r3lcs LEN
        EVAL return~{double=3.5} 0
        EVAL return~{double=0.1} 0
        EVAL return~{big_number='12345678901234567890'} 0
        EVAL return~{verbatim_string={format='txt',string='hi~there'}} 0
        EVAL return~{map={a=1}} 0
        EVAL return~{set={a=true}} 0
        EVAL redis.setresp(3);~return~true 0
        EVAL redis.setresp(3);~return~false 0
        EVAL return~true 0
        EVAL return~false 0
        EVAL return~nil 0
        EVAL return~{1,false,'x'} 0
        EVAL redis.setresp(3);~return~redis.call('hgetall',KEYS[1]) 1 r3h
        EVAL redis.setresp(3);~return~redis.call('zscore',KEYS[1],'b') 1 r3z
        EVAL redis.setresp(3);~return~redis.call('get',KEYS[1]) 1 r3missing
        EVAL redis.setresp(3);~return~redis.call('smembers',KEYS[1]) 1 r3set
        EVAL return~redis.call('hgetall',KEYS[1]) 1 r3h
        EVAL_RO return~redis.call('get',KEYS[1]) 1 r3missing
        COMMAND DOCS get
        COMMAND INFO mget
        COMMAND GETKEYS mset a b c d
        CLIENT GETNAME
        CLIENT SETNAME r3name
        CLIENT GETNAME
        PING
        PING r3
        ECHO r3
        HGET r3missing f
        HSET r3h
        ZSCORE r3z
        ZADD r3z INCR 1 a 2 b
        HELLO 4
        HELLO abc
        """;

    /// <summary>The base corpus, then the commands above.</summary>
    public static IReadOnlyList<RedisCorpus.Command> All { get; } = [.. RedisCorpus.All, .. RedisCorpus.ParseLines(Text)];

    /// <summary>Only the commands above (the RESP3-specific ones).</summary>
    public static IReadOnlyList<RedisCorpus.Command> Extra { get; } = RedisCorpus.ParseLines(Text);
}
