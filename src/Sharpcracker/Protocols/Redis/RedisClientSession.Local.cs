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
                if (argc == 1)
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
                Authenticate(command, argc == 2 ? default : Arg(command, 1), Arg(command, argc - 1), argc > 3, reply: true);
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
                EnqueueInfo();
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

    /// <summary>
    /// AUTH [username] password, checked against redis_auth (user "default", as a redis-server
    /// with requirepass). Returns whether it succeeded; queues the reply when <paramref name="reply"/>.
    /// </summary>
    private bool Authenticate(ReadOnlySpan<byte> command, ReadOnlySpan<byte> user, ReadOnlySpan<byte> password, bool syntaxError, bool reply)
    {
        if (syntaxError)
        {
            EnqueueError("syntax error");
            return false;
        }
        var userOk = user.IsEmpty || user.SequenceEqual("default"u8);
        if (_password is null)
        {
            // No redis_auth: like a redis-server without requirepass (user "default" has nopass).
            if (user.IsEmpty)
            {
                if (reply)
                {
                    EnqueueError("AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
                }
                return false;
            }
            if (!userOk)
            {
                if (reply)
                {
                    EnqueueLocal(RedisReplies.WrongPass);
                }
                return false;
            }
            if (reply)
            {
                EnqueueLocal(RedisReplies.Ok);
            }
            return true;
        }
        if (userOk && PasswordMatches(password, _password))
        {
            _authenticated = true;
            if (reply)
            {
                EnqueueLocal(RedisReplies.Ok);
            }
            return true;
        }
        if (reply)
        {
            EnqueueLocal(RedisReplies.WrongPass);
        }
        return false;
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

    /// <summary>
    /// HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 only. HELLO 3 gets -NOPROTO so
    /// clients fall back to RESP2 (the backends' connections speak RESP2).
    /// </summary>
    private void Hello(ReadOnlySpan<byte> command)
    {
        var argc = _args.Count;
        if (argc >= 2)
        {
            if (!RespRequestParser.TryParseLong(Arg(command, 1), out var version))
            {
                EnqueueError("Protocol version is not an integer or out of range");
                return;
            }
            if (version != 2)
            {
                EnqueueLocal("-NOPROTO unsupported protocol version\r\n"u8);
                return;
            }
        }
        string? setName = null;
        var authUser = -1;
        for (var i = 2; i < argc; i++)
        {
            var more = argc - i - 1;
            var option = Arg(command, i);
            if (Ascii.EqualsIgnoreCase(option, "auth"u8) && more >= 2)
            {
                authUser = i + 1;
                i += 2;
            }
            else if (Ascii.EqualsIgnoreCase(option, "setname"u8) && more >= 1)
            {
                setName = Encoding.UTF8.GetString(Arg(command, i + 1));
                i += 1;
            }
            else
            {
                EnqueueError($"Syntax error in HELLO option '{Truncate(option, 128)}'");
                return;
            }
        }
        if (authUser > 0)
        {
            if (!Authenticate(command, Arg(command, authUser), Arg(command, authUser + 1), syntaxError: false, reply: false))
            {
                EnqueueLocal(RedisReplies.WrongPass);
                return;
            }
        }
        if (!_authenticated)
        {
            EnqueueError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time", prefix: "");
            return;
        }
        if (setName is not null)
        {
            _clientName = setName;
        }
        var request = BeginLocal();
        var reply = request.Reply;
        reply.Write("*14\r\n"u8);
        RedisReplies.WriteBulk(reply, "server"u8);
        RedisReplies.WriteBulk(reply, "redis"u8);
        RedisReplies.WriteBulk(reply, "version"u8);
        RedisReplies.WriteBulk(reply, RedisReplies.CompatibleRedisVersion);
        RedisReplies.WriteBulk(reply, "proto"u8);
        reply.Write(":2\r\n"u8);
        RedisReplies.WriteBulk(reply, "id"u8);
        RedisReplies.WriteInteger(reply, ':', _id);
        RedisReplies.WriteBulk(reply, "mode"u8);
        RedisReplies.WriteBulk(reply, "standalone"u8);
        RedisReplies.WriteBulk(reply, "role"u8);
        RedisReplies.WriteBulk(reply, "master"u8);
        RedisReplies.WriteBulk(reply, "modules"u8);
        reply.Write("*0\r\n"u8);
        EndLocal(request);
    }

    /// <summary>CLIENT subcommands clients send at connect, answered for this proxy connection.</summary>
    private void Client(ReadOnlySpan<byte> command)
    {
        var sub = RedisCommandTable.Find(Arg(command, 0), Arg(command, 1))!;
        switch (sub.Name)
        {
            case "client|setname":
                {
                    var name = Arg(command, 2);
                    foreach (var b in name)
                    {
                        if (b is < (byte)'!' or > (byte)'~')
                        {
                            EnqueueError("Client names cannot contain spaces, newlines or special characters.");
                            return;
                        }
                    }
                    _clientName = name.IsEmpty ? null : Encoding.ASCII.GetString(name);
                    EnqueueLocal(RedisReplies.Ok);
                    return;
                }
            case "client|getname":
                if (_clientName is null)
                {
                    EnqueueLocal(RedisReplies.NullBulk);
                }
                else
                {
                    EnqueueBulk(Encoding.ASCII.GetBytes(_clientName));
                }
                return;
            case "client|id":
                {
                    var request = BeginLocal();
                    RedisReplies.WriteInteger(request.Reply, ':', _id);
                    EndLocal(request);
                    return;
                }
            case "client|info":
            case "client|list":
                EnqueueBulk(Encoding.UTF8.GetBytes($"id={_id} name={_clientName} db={_pool.Config.RedisDb} cmd=client|{(sub.Name == "client|info" ? "info" : "list")} proxy=sharpcracker pool={_pool.Name}\n"));
                return;
            default:
                EnqueueError($"unsupported command '{sub.Name}' in proxy mode");
                return;
        }
    }

    /// <summary>INFO [section]: the proxy's own sections (server, clients, pool with its servers and their twemproxy counters).</summary>
    private void EnqueueInfo()
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
        EnqueueBulk(Encoding.UTF8.GetBytes(sb.ToString()));
    }
}
