using System.Text;

namespace Sharpcracker.Protocols.Redis;

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
