using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// Commands about the whole keyspace, through the one split loop
/// (<see cref="ClientSession{TRequest}.SplitToEveryServer"/>): SCAN with one cursor over every
/// shard's master in turn (<see cref="ScanCursor"/>); KEYS, DBSIZE, RANDOMKEY, FLUSHDB, FLUSHALL
/// and the FUNCTION writes on every shard's master; SCRIPT LOAD / EXISTS / FLUSH / KILL and
/// CONFIG SET / RESETSTAT / REWRITE on every server; INFO's keyspace and blocked_clients from
/// the masters. The replies merge into one (<see cref="RedisFanoutMerge"/>). docs/redis.md,
/// "Keyspace across servers".
/// </summary>
internal sealed partial class RedisClientSession
{
    /// <summary>SCAN cursor [MATCH p] [COUNT n] [TYPE t]: the cursor's server, with the server's own cursor; the options passed on.</summary>
    private void DispatchScan(ReadOnlySpan<byte> command)
    {
        var topology = _cluster ? _routing : _pool.Topology;
        var masters = topology.ShardMasters;
        if (masters.Length == 0)
        {
            EnqueueNoServer();
            return;
        }
        if (!ScanCursor.TryParse(Arg(command, 1), out var cursor) || !ScanCursor.TryDecode(cursor, masters.Length, out var index, out var serverCursor))
        {
            EnqueueError("invalid cursor"); // redis-server's text for a cursor it cannot parse
            return;
        }
        var server = masters[index];
        if (server < 0)
        {
            EnqueueNoMaster();
            return;
        }
        var root = Rent(RedisRequestKind.Fanout);
        root.Fanout = RedisFanout.Scan;
        root.FanoutIndex = index;
        root.FanoutCount = masters.Length;
        var split = new FanoutSplit(this, topology, command, targets: null, single: server, serverCursor);
        SplitToEveryServer(root, 1, ref split);
    }

    /// <summary>KEYS, DBSIZE, RANDOMKEY, FLUSH*, and the CONFIG / SCRIPT / FUNCTION subcommand <paramref name="sub"/>.</summary>
    private void DispatchFanout(ReadOnlySpan<byte> command, RedisCommandInfo sub)
    {
        var (kind, every) = sub.Name switch
        {
            "keys" => (RedisFanout.Concat, false),
            "dbsize" => (RedisFanout.Sum, false),
            "randomkey" => (RedisFanout.RandomKey, false),
            "flushall" or "flushdb" => (RedisFanout.AllOk, false),
            // Replicated writes go to the masters (their replicas follow); the script cache and the
            // settings are per server, so every server gets them, replicas included.
            "function|load" or "function|list" => (RedisFanout.Same, false),
            "function|delete" or "function|flush" or "function|restore" => (RedisFanout.AllOk, false),
            "script|load" => (RedisFanout.Same, true),
            "script|exists" => (RedisFanout.ExistsAll, true),
            "script|flush" or "config|set" or "config|resetstat" or "config|rewrite" => (RedisFanout.AllOk, true),
            "script|kill" or "function|kill" => (RedisFanout.Kill, true),
            _ => (RedisFanout.None, false),
        };
        if (sub.Name == "script|debug")
        {
            // A debugging session is a conversation with one server: not through a shared connection.
            EnqueueError($"unsupported command '{sub.Name}' in proxy mode");
            return;
        }
        if (kind == RedisFanout.None)
        {
            // CONFIG GET, the HELPs, FUNCTION DUMP / STATS: one server's answer stands for all.
            ForwardAny(command);
            return;
        }
        var topology = _cluster ? _routing : _pool.Topology;
        var targets = every ? topology.EveryServer : topology.ShardMasters;
        if (targets.Length == 0)
        {
            EnqueueNoServer();
            return;
        }
        if (Array.IndexOf(targets, -1) >= 0)
        {
            EnqueueNoMaster();
            return;
        }
        var root = Rent(RedisRequestKind.Fanout);
        root.Fanout = kind;
        var split = new FanoutSplit(this, topology, command, targets, single: -1, serverCursor: 0);
        SplitToEveryServer(root, targets.Length, ref split);
    }

    /// <summary>
    /// INFO keyspace, clients, all or everything (any of them among the sections asked for): the
    /// servers' sections are wanted. A bare INFO (and INFO of the proxy's other sections) stays
    /// the proxy's own, answered without waiting on any server: operators and tests poll it for
    /// the proxy's counters, also while a server hangs.
    /// </summary>
    private bool AsksServerSections(ReadOnlySpan<byte> command)
    {
        for (var i = 1; i < _args.Count; i++)
        {
            var section = Arg(command, i);
            if (Ascii.EqualsIgnoreCase(section, "keyspace"u8) || Ascii.EqualsIgnoreCase(section, "clients"u8)
                || Ascii.EqualsIgnoreCase(section, "all"u8) || Ascii.EqualsIgnoreCase(section, "everything"u8))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// INFO: the proxy's own <paramref name="text"/>, with blocked_clients (inserted at UTF-8 byte
    /// <paramref name="clientsEnd"/>, the end of the Clients section) and a Keyspace section summed
    /// over every shard's master that answers; the proxy's text alone when none is known.
    /// </summary>
    private void DispatchInfo(string text, int clientsEnd)
    {
        var topology = _cluster ? _routing : _pool.Topology;
        var targets = topology.ShardMasters;
        if (Array.IndexOf(targets, -1) >= 0)
        {
            targets = [.. targets.Where(i => i >= 0)]; // INFO answers with what is known
        }
        if (targets.Length == 0)
        {
            EnqueueText(text);
            return;
        }
        var root = Rent(RedisRequestKind.Fanout);
        root.Fanout = RedisFanout.Info;
        root.Reply.Write(Encoding.UTF8.GetBytes(text));
        root.FanoutIndex = Encoding.UTF8.GetByteCount(text.AsSpan(0, clientsEnd));
        root.FanoutCount = _resp3 ? 3 : 2;
        var split = new FanoutSplit(this, topology, default, targets, single: -1, serverCursor: 0);
        SplitToEveryServer(root, targets.Length, ref split);
    }

    /// <summary>
    /// redis_refuse_commands: the command (or its subcommand, "config|set") is one the pool's
    /// operator refuses; queues the error and returns true. Read from the pool's current config
    /// for every command, so a reload applies to connected clients at once.
    /// </summary>
    private bool IsRefused(System.Collections.Frozen.FrozenSet<string> refused, RedisCommandInfo info, RedisCommandInfo sub)
    {
        var name = refused.Contains(info.Name) ? info.Name : !ReferenceEquals(sub, info) && refused.Contains(sub.Name) ? sub.Name : null;
        if (name is null)
        {
            return false;
        }
        EnqueueError($"command '{name}' is refused by this proxy's configuration (pool '{_pool.Name}', redis_refuse_commands)");
        return true;
    }

    /// <summary>A shard without a known master: a command for every shard cannot be served whole.</summary>
    private void EnqueueNoMaster()
    {
        _pool.Stats.ForwardErrors(1);
        if (!_pool.Discovery.IsKnown)
        {
            EnqueueError("servers not discovered yet: " + _pool.Discovery.Missing);
            return;
        }
        EnqueueError("a shard has no known master (failover in progress or not discovered yet); this command needs every shard");
    }

    /// <summary>
    /// One fragment per target: <paramref name="targets"/> (indices into the topology's servers),
    /// or the one server <paramref name="single"/> (SCAN, whose cursor argument becomes
    /// <paramref name="serverCursor"/>). A fragment is the client's command re-encoded as RESP
    /// (INFO: a bare INFO). Fragments keep no bytes for a redirect: these commands name no key.
    /// </summary>
    private readonly ref struct FanoutSplit(RedisClientSession session, PoolTopology topology, ReadOnlySpan<byte> command, int[]? targets, int single, ulong serverCursor)
        : ISplitProtocol<RedisRequest>
    {
        private readonly ReadOnlySpan<byte> _command = command; // a span cannot be captured: a field

        public void InitFragment(RedisRequest root, RedisRequest fragment) => fragment.Kind = RedisRequestKind.Fragment;

        public ServerConnection ConnectionFor(RedisRequest fragment, int server)
        {
            var backend = topology.Servers[targets is null ? single : targets[server]];
            if (session._replicated)
            {
                backend.Replication.Count(session.Worker.Index, session._read);
            }
            return session.ConnectionTo(backend, session._dialect);
        }

        public void WriteFragment(ByteBuffer output, RedisRequest root, int fragment)
        {
            if (root.Fanout == RedisFanout.Info)
            {
                output.Write("*1\r\n$4\r\nINFO\r\n"u8);
                return;
            }
            var argc = session._args.Count;
            Span<byte> digits = stackalloc byte[20];
            RedisReplies.WriteInteger(output, '*', argc);
            for (var i = 0; i < argc; i++)
            {
                if (i == 1 && root.Fanout == RedisFanout.Scan)
                {
                    System.Buffers.Text.Utf8Formatter.TryFormat(serverCursor, digits, out var n);
                    RedisReplies.WriteBulk(output, digits[..n]);
                    continue;
                }
                RedisReplies.WriteBulk(output, session._args.Get(i, _command));
            }
        }

        public static bool IsMergeable(RedisRequest root, ReadOnlySpan<byte> reply) => RedisFanoutMerge.IsMergeable(root, reply);

        public static void WriteFailure(ByteBuffer output, RedisRequest root, string reason)
        {
            if (root.Fanout == RedisFanout.Info)
            {
                RedisFanoutMerge.Merge(output, root); // INFO answers with the servers that did
                return;
            }
            RedisClientSession.WriteFailure(output, reason);
        }

        public static void WriteUnmergeable(ByteBuffer output, RedisRequest root, ReadOnlySpan<byte> reply) => output.Write(reply);

        public static bool Merge(ByteBuffer output, RedisRequest root) => RedisFanoutMerge.Merge(output, root);
    }
}
