namespace Sharpcracker.Protocols.Redis;

/// <summary>The three subscription spaces of redis-server: each has its own names, commands and counts.</summary>
internal enum PubSubKind : byte
{
    /// <summary>SUBSCRIBE / UNSUBSCRIBE / PUBLISH: a channel lives on the server its name hashes to (like a key).</summary>
    Channel,
    /// <summary>PSUBSCRIBE / PUNSUBSCRIBE: a pattern is subscribed on every server (one in a redis_cluster pool).</summary>
    Pattern,
    /// <summary>SSUBSCRIBE / SUNSUBSCRIBE / SPUBLISH: a shard channel lives on its name's server (slot owner in a cluster).</summary>
    Shard,
}
