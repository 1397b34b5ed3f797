using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.Routing;
using Sharpcracker.Stats;

namespace Sharpcracker.Protocols.Redis;

/// <summary>Commands the proxy answers itself: PING, ECHO, QUIT, AUTH, SELECT, HELLO, CLIENT, INFO.</summary>
internal sealed partial class RedisClientSession
{
    private bool ExecuteLocal(ReadOnlySpan<byte> command, RedisCommandInfo info)
    {
        var argc = _args.Count;
        switch (info.Name)
        {
            case "ping":
                if (argc > 2)
                {
                    EnqueueError(ArityText(info)); // redis-server's pingCommand checks it itself (arity -1)
                }
                else if (argc == 1)
                {
                    EnqueueLocal(RedisReplies.Pong);
                }
                else
                {
                    EnqueueBulk(Arg(command, 1));
                }
                return false;
            case "echo":
                EnqueueBulk(Arg(command, 1));
                return false;
            case "quit":
                EnqueueQuit(null, ok: true);
                return true;
            case "auth":
                if (argc > 3)
                {
                    EnqueueError("syntax error");
                }
                else
                {
                    Authenticate(argc == 2 ? default : Arg(command, 1), Arg(command, argc - 1), reply: true);
                }
                return false;
            case "select":
                Select(Arg(command, 1));
                return false;
            case "hello":
                Hello(command);
                return false;
            case "client":
                Client(command);
                return false;
            case "info":
                EnqueueInfo(command);
                return false;
            default:
                EnqueueError($"unsupported command '{info.Name}' in proxy mode");
                return false;
        }
    }

    private void EnqueueBulk(ReadOnlySpan<byte> value)
    {
        var request = BeginLocal();
        RedisReplies.WriteBulk(request.Reply, value);
        EndLocal(request);
    }

    /// <summary>Text for a person (INFO, CLIENT LIST): a bulk string, or in RESP3 a verbatim string ("txt"), as redis-server writes them.</summary>
    private void EnqueueText(string text)
    {
        var request = BeginLocal();
        var bytes = Encoding.UTF8.GetBytes(text);
        if (_resp3)
        {
            RedisReplies.WriteInteger(request.Reply, '=', bytes.Length + 4);
            request.Reply.Write("txt:"u8);
            request.Reply.Write(bytes);
            request.Reply.Write(RedisReplies.Crlf);
        }
        else
        {
            RedisReplies.WriteBulk(request.Reply, bytes);
        }
        EndLocal(request);
    }

    /// <summary>A missing value: RESP2's null bulk string, RESP3's null.</summary>
    private void EnqueueNull() => EnqueueLocal(_resp3 ? "_\r\n"u8 : RedisReplies.NullBulk);

    /// <summary>
    /// AUTH [username] password. The user <c>default</c> (no username) has the pool's redis_auth
    /// password, or the auth_file's <c>default</c> entry; other users are the auth_file's. Without
    /// either, <c>default</c> is redis-server's nopass user (any password, but AUTH with a password
    /// alone is refused). A failed AUTH leaves an authenticated client as it was. Returns whether
    /// it succeeded; queues the reply when <paramref name="reply"/>.
    /// </summary>
    private bool Authenticate(ReadOnlySpan<byte> user, ReadOnlySpan<byte> password, bool reply)
    {
        var users = _pool.Config.AuthFile;
        var isDefault = user.IsEmpty || user.SequenceEqual("default"u8);
        bool ok;
        if (isDefault && _password is not null)
        {
            ok = PasswordMatches(password, _password);
        }
        else if (users is not null && (!isDefault || users.Lists("default"u8)))
        {
            ok = users.Check(isDefault ? "default"u8 : user, password);
        }
        else if (isDefault && users is null)
        {
            // No redis_auth and no users: like a redis-server without requirepass.
            if (user.IsEmpty)
            {
                if (reply)
                {
                    EnqueueError("AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
                }
                return false;
            }
            ok = true;
        }
        else
        {
            ok = false; // an unknown user, or default without a password to check
        }
        if (ok)
        {
            _authenticated = true;
            _readOnlyUser = users is not null && users.IsReadOnly(isDefault ? "default"u8 : user);
            _userName = isDefault ? null : Encoding.UTF8.GetString(user);
        }
        if (reply)
        {
            EnqueueLocal(ok ? RedisReplies.Ok : RedisReplies.WrongPass);
        }
        return ok;
    }

    /// <summary>SELECT: database 0 and the pool's redis_db are the database this pool serves; any other is refused.</summary>
    private void Select(ReadOnlySpan<byte> arg)
    {
        if (!RespRequestParser.TryParseLong(arg, out var db) || db < int.MinValue || db > int.MaxValue)
        {
            EnqueueError("invalid DB index");
            return;
        }
        var poolDb = _pool.Config.RedisDb;
        if (db == 0 || db == poolDb)
        {
            EnqueueLocal(RedisReplies.Ok);
            return;
        }
        EnqueueError($"SELECT {db} is not supported in proxy mode: this pool serves database {poolDb} (redis_db)");
    }

    /// <summary>INFO [section]: the proxy's own sections (server, clients, pool with its servers and their twemproxy counters); with the servers' keyspace and blocked_clients when asked for.</summary>
    private void EnqueueInfo(ReadOnlySpan<byte> command)
    {
        var uptime = (long)(DateTime.UtcNow - ProcessFacts.StartTime).TotalSeconds;
        var sb = new StringBuilder();
        sb.Append("# Server\r\n");
        sb.Append("redis_version:").Append(RedisReplies.CompatibleRedisVersion).Append("\r\n");
        sb.Append("redis_mode:proxy\r\n");
        sb.Append("proxy:sharpcracker\r\n");
        sb.Append("proxy_version:").Append(ProcessFacts.Version).Append("\r\n");
        sb.Append("process_id:").Append(Environment.ProcessId).Append("\r\n");
        sb.Append("uptime_in_seconds:").Append(uptime).Append("\r\n");
        sb.Append("uptime_in_days:").Append(uptime / 86400).Append("\r\n");
        sb.Append("\r\n# Clients\r\n");
        sb.Append("connected_clients:").Append(_pool.CurrentClients).Append("\r\n");
        sb.Append("total_connections_received:").Append(_pool.TotalClients).Append("\r\n");
        sb.Append("rejected_connections:").Append(_pool.RejectedClients).Append("\r\n");
        var clientsEnd = sb.Length; // the servers' blocked_clients goes here (RedisClientSession.Keyspace.cs)
        // Process-wide allocation counters, so "no allocation per request" can be checked from outside.
        sb.Append("\r\n# Memory\r\n");
        sb.Append("gc_allocated_bytes:").Append(GC.GetTotalAllocatedBytes(precise: false)).Append("\r\n");
        sb.Append("gc_gen0_collections:").Append(GC.CollectionCount(0)).Append("\r\n");
        sb.Append("\r\n# Pool\r\n");
        sb.Append("pool:").Append(_pool.Name).Append("\r\n");
        sb.Append("hash:").Append(_pool.Config.Hash.ToString().ToLowerInvariant()).Append("\r\n");
        sb.Append("distribution:").Append(DistributionKinds.Name(_pool.Config.Distribution)).Append("\r\n");
        sb.Append("redis_db:").Append(_pool.Config.RedisDb).Append("\r\n");
        if (_pool.Config.ReadPolicy is { } policy)
        {
            sb.Append("read_policy:").Append(Configuration.ReplicationNames.Name(policy)).Append("\r\n");
        }
        if (_pool.Topology.ClusterMap is { } map)
        {
            // redis_cluster: what the proxy's slot map says now.
            sb.Append("cluster_slots_served:").Append(map.AssignedSlots).Append("\r\n");
            sb.Append("cluster_masters:").Append(string.Join(",", map.Ranges().Where(r => r.Master is not null).Select(r => r.Master).Distinct())).Append("\r\n");
            sb.Append("cluster_replicas:").Append(string.Join(",", map.AllNodes.Except(map.Nodes))).Append("\r\n");
        }
        sb.Append("servers:").Append(_pool.Servers.Count).Append("\r\n");
        foreach (var server in _pool.Servers)
        {
            sb.Append("server").Append(server.Index).Append(":name=").Append(server.Name)
                .Append(",addr=").Append(server.Config.EndpointText)
                .Append(",weight=").Append(server.Config.Weight)
                .Append(",connections=").Append(server.ConnectionCount).Append("\r\n");
        }
        // The proxy's view: twemproxy's pool and server counters, named as in the memcached "stats" reply.
        Stats.MemcachedStatsText.AppendRedisInfo(sb, _pool.Stats);
        if (AsksServerSections(command))
        {
            DispatchInfo(sb.ToString(), clientsEnd);
        }
        else
        {
            EnqueueText(sb.ToString());
        }
    }
}
