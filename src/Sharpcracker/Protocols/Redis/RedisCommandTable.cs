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
    /// <summary>Answered by the proxy itself.</summary>
    Local,
    /// <summary>Known to redis-server, refused by the proxy (cross-shard, blocking, pub/sub, transactions, admin).</summary>
    Unsupported,
    /// <summary>A subcommand row ("client|setname"): arity and key position of a container's subcommand.</summary>
    Sub,
}

/// <summary>One command as redis-server 7.0.15 reports it, plus the proxy's route.</summary>
internal sealed class RedisCommandInfo(string name, int arity, int firstKey, int lastKey, int step, RedisRoute route)
{
    /// <summary>Lowercase name as redis-server reports it in errors ("get", "client|setname").</summary>
    public string Name { get; } = name;
    public byte[] NameBytes { get; } = Encoding.ASCII.GetBytes(name);
    /// <summary>Positive: exact argc; negative: at least -arity.</summary>
    public int Arity { get; } = arity;
    public int FirstKey { get; } = firstKey;
    public int LastKey { get; } = lastKey;
    public int Step { get; } = step;
    public RedisRoute Route { get; } = route;
    /// <summary>redis-server flags it <c>readonly</c> (RedisCommandTable.ReadOnly.cs).</summary>
    public bool IsReadOnly { get; internal set; }
    /// <summary>In the twemproxy fork's read list (<see cref="ReplicaReads.ForkReadCommands"/>).</summary>
    public bool IsForkRead { get; internal set; }
    /// <summary>One of the fork's master-only commands (<see cref="ReplicaReads.ForkMasterOnlyCommands"/>).</summary>
    public bool IsForkMasterOnly { get; internal set; }

    public bool ArityOk(int argc) => Arity >= 0 ? argc == Arity : argc >= -Arity;
}

/// <summary>
/// Case-insensitive lookup from a command name (bytes, as the client sent it) to its info,
/// without allocating: an open-addressing table over the lowercase name's FNV-1a hash.
/// </summary>
internal static partial class RedisCommandTable
{
    private const int Slots = 1024; // power of two, well above the ~280 rows
    private const int MaxNameLength = 40;
    // Built on first use: field initializers of the partial class's two files run in an unspecified order.
    private static class Index
    {
        public static readonly RedisCommandInfo?[] Slots = Build();
    }

    public static IReadOnlyList<RedisCommandInfo> All
    {
        get
        {
            _ = Index.Slots; // building the index sets the flags
            return s_all;
        }
    }

    private static RedisCommandInfo?[] Build()
    {
        var slots = new RedisCommandInfo?[Slots];
        var readOnly = new HashSet<string>(s_readOnly, StringComparer.Ordinal);
        foreach (var info in s_all)
        {
            info.IsReadOnly = readOnly.Contains(info.Name);
            info.IsForkRead = ReplicaReads.ForkReadCommands.Contains(info.Name);
            info.IsForkMasterOnly = ReplicaReads.ForkMasterOnlyCommands.Contains(info.Name);
            var i = Hash(info.NameBytes) & (Slots - 1);
            while (slots[i] is not null)
            {
                i = (i + 1) & (Slots - 1);
            }
            slots[i] = info;
        }
        return slots;
    }

    private static int Hash(ReadOnlySpan<byte> lower)
    {
        var h = 2166136261u;
        foreach (var b in lower)
        {
            h = (h ^ b) * 16777619u;
        }
        return (int)(h & 0x7fffffff);
    }

    /// <summary>The command, or null when redis-server would not know it.</summary>
    public static RedisCommandInfo? Find(ReadOnlySpan<byte> name) => Find(name, default);

    /// <summary>A container's subcommand ("client", "setname"), or null when unknown.</summary>
    public static RedisCommandInfo? Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> sub)
    {
        var total = sub.IsEmpty ? name.Length : name.Length + 1 + sub.Length;
        if (name.IsEmpty || total > MaxNameLength)
        {
            return null;
        }
        Span<byte> lower = stackalloc byte[MaxNameLength];
        Lower(name, lower);
        if (!sub.IsEmpty)
        {
            lower[name.Length] = (byte)'|';
            Lower(sub, lower[(name.Length + 1)..]);
        }
        lower = lower[..total];
        var slots = Index.Slots;
        var i = Hash(lower) & (Slots - 1);
        while (slots[i] is { } info)
        {
            if (info.NameBytes.AsSpan().SequenceEqual(lower))
            {
                return info;
            }
            i = (i + 1) & (Slots - 1);
        }
        return null;
    }

    private static void Lower(ReadOnlySpan<byte> source, Span<byte> target)
    {
        for (var i = 0; i < source.Length; i++)
        {
            var b = source[i];
            target[i] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
        }
    }
}
