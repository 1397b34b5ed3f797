using System.Text;

namespace Sharpcracker.Protocols.Redis;

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
