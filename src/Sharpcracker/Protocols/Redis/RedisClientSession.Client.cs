using System.Globalization;
using System.Net;
using System.Text;
using Sharpcracker.Common;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// CLIENT as clients use it, answered for this proxy's own client connections: SETNAME, GETNAME,
/// ID, INFO, LIST (the pool's clients, on every worker), SETINFO (redis-server 7.2's LIB-NAME and
/// LIB-VER, kept and shown), NO-EVICT (kept: a proxy's client connection is never evicted by a
/// server) and NO-TOUCH off. What would change shared server connections for every client is
/// refused with a reason: NO-TOUCH on, TRACKING on (docs/redis.md, "CLIENT").
/// </summary>
internal sealed partial class RedisClientSession
{
    // What CLIENT INFO / LIST show. Written on this session's worker, read by CLIENT LIST on any
    // worker: each is a single reference or long, so a reader sees an old or a new value, never a torn one.
    private string? _clientName;
    private string? _libName;
    private string? _libVersion;
    private string? _userName;
    private string? _remoteAddress;
    private string? _localAddress;
    private bool _noEvict;
    private bool _readOnlyUser;
    private readonly long _connectedAt = Environment.TickCount64;
    private string _lastCommand = "NULL";
    private long _lastCommandAt = Environment.TickCount64;

    private void Client(ReadOnlySpan<byte> command)
    {
        var sub = RedisCommandTable.Find(Arg(command, 0), Arg(command, 1))!;
        switch (sub.Name)
        {
            case "client|setname":
                if (TrySetName(Arg(command, 2)))
                {
                    EnqueueLocal(RedisReplies.Ok);
                }
                return;
            case "client|getname":
                if (_clientName is null)
                {
                    EnqueueNull();
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
                EnqueueText(InfoLine());
                return;
            case "client|list":
                EnqueueText(ListText());
                return;
            case "client|setinfo":
                SetInfo(Arg(command, 2), Arg(command, 3));
                return;
            case "client|no-evict":
                if (OnOff(Arg(command, 2)) is { } evict)
                {
                    _noEvict = evict;
                    EnqueueLocal(RedisReplies.Ok);
                }
                return;
            case "client|no-touch":
                if (OnOff(Arg(command, 2)) is { } touch)
                {
                    if (touch)
                    {
                        EnqueueError("CLIENT NO-TOUCH on is not supported in proxy mode: server connections are shared by clients");
                        return;
                    }
                    EnqueueLocal(RedisReplies.Ok);
                }
                return;
            case "client|tracking":
                if (Ascii.EqualsIgnoreCase(Arg(command, 2), "off"u8) && _args.Count == 3)
                {
                    EnqueueLocal(RedisReplies.Ok); // tracking is never on
                    return;
                }
                EnqueueError("CLIENT TRACKING is not supported in proxy mode: server connections are shared by clients, so a server cannot track one client's keys (turn client-side caching off)");
                return;
            case "client|getredir":
                {
                    var request = BeginLocal();
                    RedisReplies.WriteInteger(request.Reply, ':', -1); // tracking is off
                    EndLocal(request);
                    return;
                }
            default:
                EnqueueError($"unsupported command '{sub.Name}' in proxy mode");
                return;
        }
    }

    /// <summary>ON or OFF (any case), else redis-server's syntax error (queued) and null.</summary>
    private bool? OnOff(ReadOnlySpan<byte> arg)
    {
        if (Ascii.EqualsIgnoreCase(arg, "on"u8))
        {
            return true;
        }
        if (Ascii.EqualsIgnoreCase(arg, "off"u8))
        {
            return false;
        }
        EnqueueError("syntax error");
        return null;
    }

    /// <summary>CLIENT SETNAME / HELLO SETNAME: printable ASCII without spaces, or empty (no name); the error is queued when refused.</summary>
    private bool TrySetName(ReadOnlySpan<byte> name)
    {
        if (!IsPrintableWord(name))
        {
            EnqueueError("Client names cannot contain spaces, newlines or special characters.");
            return false;
        }
        _clientName = name.IsEmpty ? null : Encoding.ASCII.GetString(name);
        return true;
    }

    /// <summary>CLIENT SETINFO LIB-NAME|LIB-VER value, as redis-server 7.2 answers it.</summary>
    private void SetInfo(ReadOnlySpan<byte> attribute, ReadOnlySpan<byte> value)
    {
        var name = Ascii.EqualsIgnoreCase(attribute, "lib-name"u8);
        if (!name && !Ascii.EqualsIgnoreCase(attribute, "lib-ver"u8))
        {
            EnqueueError($"Unrecognized option '{Truncate(attribute, 128)}'");
            return;
        }
        if (!IsPrintableWord(value))
        {
            EnqueueError($"{Truncate(attribute, 128)} cannot contain spaces, newlines or special characters.");
            return;
        }
        var text = value.IsEmpty ? null : Encoding.ASCII.GetString(value);
        if (name)
        {
            _libName = text;
        }
        else
        {
            _libVersion = text;
        }
        EnqueueLocal(RedisReplies.Ok);
    }

    private static bool IsPrintableWord(ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (b is < (byte)'!' or > (byte)'~')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>CLIENT LIST: one line per client of this pool, in id order.</summary>
    private string ListText()
    {
        var sb = new StringBuilder();
        foreach (var client in _pool.Clients.OfType<RedisClientSession>().OrderBy(c => c._id))
        {
            sb.Append(client.InfoLine());
        }
        return sb.ToString();
    }

    /// <summary>
    /// redis-server's CLIENT INFO fields that this proxy knows for this connection, in its order
    /// (memory and buffer fields, which describe a server's own bookkeeping, are left out), then
    /// the proxy's own (proxy, pool).
    /// </summary>
    private string InfoLine()
    {
        var now = Environment.TickCount64;
        try
        {
            // Read once, by whichever worker lists this client first (two racing readers write the same text).
            _remoteAddress ??= AddressText(Socket.RemoteEndPoint);
            _localAddress ??= AddressText(Socket.LocalEndPoint);
        }
        catch (Exception e) when (e is ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // Closed by its own worker meanwhile: listed without addresses.
        }
        // redis-server's letters in its order: P subscribed, x inside MULTI, b blocked, e no-evict; N: none.
        var flags = string.Concat(
            CountOf(PubSubKind.Channel) + CountOf(PubSubKind.Pattern) + CountOf(PubSubKind.Shard) > 0 ? "P" : "",
            _inMulti ? "x" : "", _blockingOn is not null ? "b" : "", _noEvict ? "e" : "");
        flags = flags.Length == 0 ? "N" : flags;
        return string.Create(CultureInfo.InvariantCulture,
            $"id={_id} addr={_remoteAddress} laddr={_localAddress} fd={Fd} name={_clientName} age={(now - _connectedAt) / 1000} idle={(now - _lastCommandAt) / 1000} flags={flags} db={_pool.Config.RedisDb} sub={CountOf(PubSubKind.Channel)} psub={CountOf(PubSubKind.Pattern)} ssub={CountOf(PubSubKind.Shard)} multi={(_inMulti ? _queuedInMulti : -1)} cmd={_lastCommand} user={_userName ?? "default"} redir=-1 resp={(_resp3 ? 3 : 2)} lib-name={_libName} lib-ver={_libVersion} proxy=sharpcracker pool={_pool.Name}\n");
    }

    private static string AddressText(EndPoint? endpoint) => endpoint switch
    {
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        null => "",
        _ => endpoint.ToString() + ":0",
    };
}
