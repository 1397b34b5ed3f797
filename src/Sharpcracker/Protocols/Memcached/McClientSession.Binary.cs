using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Stats;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// The memcached binary protocol (../shared/reference/binary.md), chosen per connection by its
/// first byte (0x80) as memcached does. Keyed requests are routed by their raw key bytes with the
/// pool's hash (a key set in binary is found in text) and forwarded to the server's binary
/// connections with the client's bytes and opaque; a quiet opcode is forwarded as its loud twin
/// so every forwarded request has exactly one reply (FIFO matching), and the reply is hidden or
/// given back its quiet opcode as memcached would (<see cref="McRequest"/>). Each request is its
/// own queue entry, so replies reach the client in request order whatever servers answered, and
/// a NOOP (local) follows every earlier reply. VERSION goes to one server like text's version;
/// NOOP, QUIT, STAT, SASL, protocol errors and unknown opcodes are answered here; FLUSH goes to
/// every server with one reply.
/// </summary>
internal sealed partial class McClientSession
{
    /// <summary>Binary requests travel on connections of their own: a backend connection's protocol is fixed by its first byte.</summary>
    private const ServerDialect BinaryDialect = ServerDialect.Alternate;

    private enum WireProtocol : byte
    {
        Undecided,
        Text,
        Binary,
    }

    private WireProtocol _protocol;
    private bool _authenticated;

    /// <summary>Decides the connection's protocol from its first byte; true when it is binary.</summary>
    private bool IsBinary(in ReadOnlySequence<byte> buffer)
    {
        if (_protocol == WireProtocol.Undecided && !buffer.IsEmpty)
        {
            _protocol = _pool.Config.MemcacheProtocol switch
            {
                MemcacheProtocol.Text => WireProtocol.Text,
                MemcacheProtocol.Binary => WireProtocol.Binary, // anything else is closed, as memcached -B binary does
                _ => buffer.FirstSpan[0] == McBinary.RequestMagic ? WireProtocol.Binary : WireProtocol.Text,
            };
        }
        return _protocol == WireProtocol.Binary;
    }

    private Progress ProcessBinary(ref ReadOnlySequence<byte> buffer)
    {
        var sasl = SaslEnabled;
        while (!buffer.IsEmpty)
        {
            if (_swallow > 0)
            {
                Swallow(ref buffer);
                continue;
            }
            if (QueueFull)
            {
                return Progress.Paused;
            }
            // The session hands its input as one segment (ClientSession.ProcessInput).
            var data = buffer.FirstSpan;
            var frame = McBinaryParser.Parse(data, sasl, _authenticated || !sasl, _pool.Config.RequestSizeLimit);
            switch (frame.Action)
            {
                case McBinaryAction.NeedMore:
                    return Progress.NeedMore;
                case McBinaryAction.Close:
                    EnqueueQuit();
                    return Progress.Stop;
                case McBinaryAction.ErrorThenClose:
                    EnqueueBinaryQuit(frame, frame.Status);
                    return Progress.Stop;
                case McBinaryAction.Error:
                    EnqueueBinaryError(frame, frame.Status);
                    _swallow = frame.Swallow;
                    break;
                case McBinaryAction.TooLarge:
                    RefuseBinaryTooLarge(data, frame);
                    _swallow = frame.Swallow;
                    break;
                case McBinaryAction.Keyed:
                    DispatchBinary(data[..frame.Consumed], frame);
                    break;
                case McBinaryAction.Noop:
                    EnqueueBinaryLocal(frame, static (output, f) => McBinary.WriteEmpty(output, f.Opcode, f.Opaque));
                    break;
                case McBinaryAction.Version:
                    DispatchBinaryVersion(data[..frame.Consumed], frame);
                    break;
                case McBinaryAction.Quit:
                    {
                        var quit = Rent(McRequestKind.Quit);
                        if (frame.Opcode == McBinary.Quit)
                        {
                            McBinary.WriteEmpty(quit.Reply, frame.Opcode, frame.Opaque);
                        }
                        EnqueueDone(quit);
                        buffer = buffer.Slice(frame.Consumed);
                        return Progress.Stop;
                    }
                case McBinaryAction.Flush:
                    DispatchBinaryToEveryServer(data[..frame.Consumed], frame);
                    break;
                case McBinaryAction.Stat:
                    DispatchBinaryStats(data[..frame.Consumed], frame, data.Slice(frame.KeyOffset, frame.KeyLength));
                    break;
                case McBinaryAction.SaslListMechs:
                    EnqueueBinaryLocal(frame, static (output, f) => McBinary.WriteValue(output, f.Opcode, f.Opaque, default, "PLAIN"u8));
                    break;
                case McBinaryAction.SaslAuth:
                    SaslAuthenticate(frame, data.Slice(frame.KeyOffset, frame.KeyLength), data.Slice(frame.KeyOffset + frame.KeyLength, frame.ValueLength));
                    break;
            }
            buffer = buffer.Slice(frame.Consumed);
            if (Saturated)
            {
                return Progress.Paused;
            }
        }
        return Progress.NeedMore;
    }

    private void EnqueueBinaryLocal(in McBinaryFrame frame, Action<ByteBuffer, McBinaryFrame> write)
    {
        var request = Rent(McRequestKind.Local);
        write(request.Reply, frame);
        EnqueueDone(request);
    }

    private void EnqueueBinaryError(in McBinaryFrame frame, ushort status)
    {
        var request = Rent(McRequestKind.Local);
        McBinary.WriteError(request.Reply, frame.Opcode, frame.Opaque, status);
        EnqueueDone(request);
    }

    /// <summary>An error after which memcached closes the connection (close_after_write).</summary>
    private void EnqueueBinaryQuit(in McBinaryFrame frame, ushort status)
    {
        var request = Rent(McRequestKind.Quit);
        McBinary.WriteError(request.Reply, frame.Opcode, frame.Opaque, status);
        EnqueueDone(request);
    }

    /// <summary>
    /// A store over request_size_limit: 0x03 "Too large." as memcached answers an item over its
    /// size limit (also for the quiet opcodes: errors are never hidden), and for SET the old value
    /// is deleted, as memcached does, so a stale value cannot outlive the failed set.
    /// </summary>
    private void RefuseBinaryTooLarge(ReadOnlySpan<byte> data, in McBinaryFrame frame)
    {
        EnqueueBinaryError(frame, McBinary.TooLarge);
        if (McBinary.Loud(frame.Opcode) != McBinary.Set)
        {
            return;
        }
        var key = data.Slice(frame.KeyOffset, frame.KeyLength);
        if (_pool.Route(key) is not { } server)
        {
            return;
        }
        var request = Rent(McRequestKind.Binary);
        request.BinaryOpcode = McBinary.Delete;
        request.BinaryForward = McBinary.Delete;
        request.Noreply = true; // the proxy's own request: the client sees only the 0x03
        request.StatsClass = Stats.CommandClass.Delete;
        Enqueue(request);
        var connection = server.ConnectionFor(Worker, _id, BinaryDialect);
        ForwardTo(connection, request, new BinaryDelete(key));
    }

    private McRequest RentBinary(in McBinaryFrame frame, McRequestKind kind)
    {
        var request = Rent(kind);
        request.BinaryOpcode = frame.Opcode;
        request.BinaryForward = McBinary.Loud(frame.Opcode);
        request.BinaryOpaque = frame.Opaque;
        return request;
    }

    /// <summary>
    /// Copies the client's packet into the server connection's output with the loud opcode and a
    /// body length covering exactly the bytes forwarded (memcached reads only extras and key of a
    /// TOUCH/GAT and parses the rest as the next packet; so does the proxy).
    /// </summary>
    private static void WritePacket(ByteBuffer output, ReadOnlySpan<byte> packet, byte opcode)
    {
        var span = output.GetSpan(packet.Length);
        packet.CopyTo(span);
        span[1] = opcode;
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)(packet.Length - McBinary.HeaderLength));
        output.Advance(packet.Length);
    }

    private void DispatchBinary(ReadOnlySpan<byte> packet, in McBinaryFrame frame)
    {
        if (_pool.Routes is { } tree)
        {
            var routed = RentBinary(frame, McRequestKind.Binary);
            routed.StatsClass = StatsClassOf(routed.BinaryForward);
            var outcome = DispatchRouted(tree, routed, OperationOfBinary(McBinary.Loud(frame.Opcode)), packet.Slice(frame.KeyOffset, frame.KeyLength),
                new BinaryPacket(packet, McBinary.Loud(frame.Opcode)));
            if (outcome != Routed.Sent)
            {
                _pool.Stats.ForwardErrors(1);
                EnqueueBinaryError(frame, McBinary.InternalError);
            }
            return;
        }
        var server = _pool.Route(packet.Slice(frame.KeyOffset, frame.KeyLength));
        if (server is null)
        {
            _pool.Stats.ForwardErrors(1);
            EnqueueBinaryError(frame, McBinary.InternalError);
            return;
        }
        var request = RentBinary(frame, McRequestKind.Binary);
        request.StatsClass = StatsClassOf(request.BinaryForward);
        Enqueue(request);
        var connection = server.ConnectionFor(Worker, _id, BinaryDialect);
        ForwardTo(connection, request, new BinaryPacket(packet, request.BinaryForward));
    }

    /// <summary>VERSION goes to the server text's version goes to (the one the empty key maps to), so the body is memcached's own.</summary>
    private void DispatchBinaryVersion(ReadOnlySpan<byte> packet, in McBinaryFrame frame)
    {
        if (_pool.Routes is not null)
        {
            DispatchBinary(packet, frame); // the empty key, operation "other": where the tree sends it
            return;
        }
        var server = _pool.Route(default);
        if (server is null)
        {
            _pool.Stats.ForwardErrors(1);
            EnqueueBinaryError(frame, McBinary.InternalError);
            return;
        }
        var request = RentBinary(frame, McRequestKind.Binary);
        Enqueue(request);
        var connection = server.ConnectionFor(Worker, _id, BinaryDialect);
        ForwardTo(connection, request, new BinaryPacket(packet, request.BinaryForward));
    }

    /// <summary>
    /// FLUSH (with its optional delay), or a STAT reset / detail on|off, to every server on this
    /// client's binary connections, so a later keyed request from this client cannot overtake it;
    /// one reply once all answered (each server answers one packet).
    /// </summary>
    private void DispatchBinaryToEveryServer(ReadOnlySpan<byte> packet, in McBinaryFrame frame)
    {
        var root = RentBinary(frame, McRequestKind.BinaryToEveryServer);
        var servers = _pool.Routes is { } tree ? tree.AllServers() : _pool.Topology.Servers;
        var split = new BinaryToEveryServerSplit(this, servers, packet);
        SplitToEveryServer(root, servers.Length, ref split);
    }

    /// <summary>
    /// STAT, answered as the text protocol's <c>stats [sub]</c> (docs/compatibility.md): no key,
    /// the proxy's own counters, one packet per stat ending with the empty packet; reset and
    /// detail on|off to every server, one empty packet back; per-server listings refused with
    /// 0x83; any other key memcached's reply to an unknown one, 0x01 "Not found" without a
    /// terminator (memcached's groups and prefix rules: <see cref="McBinary.StatGroup"/>).
    /// </summary>
    private void DispatchBinaryStats(ReadOnlySpan<byte> packet, in McBinaryFrame frame, ReadOnlySpan<byte> key)
    {
        switch (McBinary.StatGroup(key))
        {
            case McBinaryStatGroup.Own:
                EnqueueBinaryOwnStats(frame);
                break;
            case McBinaryStatGroup.ToEveryServer:
                DispatchBinaryToEveryServer(packet, frame);
                break;
            case McBinaryStatGroup.NotSupported:
                EnqueueBinaryError(frame, McBinary.NotSupported);
                break;
            default:
                EnqueueBinaryError(frame, McBinary.KeyNotFound);
                break;
        }
    }

    /// <summary>STAT without a key: the proxy's own counters (the text protocol's <c>stats</c> lines), then the empty packet.</summary>
    private void EnqueueBinaryOwnStats(in McBinaryFrame frame)
    {
        var request = Rent(McRequestKind.Local);
        var text = BuildStats().AsSpan();
        while (text.StartsWith("STAT "u8))
        {
            var line = text[5..text.IndexOf((byte)'\r')];
            var space = line.IndexOf((byte)' ');
            McBinary.WriteHeader(request.Reply, frame.Opcode, McBinary.Success, 0, (ushort)space, line.Length - 1, frame.Opaque, 0);
            request.Reply.Write(line[..space]);
            request.Reply.Write(line[(space + 1)..]);
            text = text[(text.IndexOf((byte)'\n') + 1)..];
        }
        McBinary.WriteEmpty(request.Reply, frame.Opcode, frame.Opaque);
        EnqueueDone(request);
    }

    private static Stats.CommandClass StatsClassOf(byte opcode) => opcode switch
    {
        McBinary.Get or McBinary.GetK or McBinary.Gat or McBinary.GatK or McBinary.Touch => Stats.CommandClass.Retrieval,
        McBinary.Set or McBinary.Add or McBinary.Replace or McBinary.Append or McBinary.Prepend => Stats.CommandClass.Storage,
        McBinary.Increment or McBinary.Decrement => Stats.CommandClass.Arithmetic,
        McBinary.Delete => Stats.CommandClass.Delete,
        _ => Stats.CommandClass.Other,
    };

    /// <summary>Writes a finished binary request's reply; false when memcached would have sent nothing.</summary>
    private static bool WriteBinaryReply(ByteBuffer output, McRequest request)
    {
        if (request.Kind == McRequestKind.BinaryToEveryServer)
        {
            return WriteMerged<BinaryToEveryServerSplit>(output, request);
        }
        if (request.BinaryHidden || request.Noreply)
        {
            return false;
        }
        if (request.Error is { } error)
        {
            WriteBinaryFailure(output, request.BinaryOpcode, request.BinaryOpaque, error);
            return true;
        }
        output.Write(request.Reply.Span);
        return true;
    }

    /// <summary>A request no server answered: 0x84 with the reason as its text (the text protocol's SERVER_ERROR reason).</summary>
    private static void WriteBinaryFailure(ByteBuffer output, byte opcode, uint opaque, string reason)
    {
        var span = output.GetSpan(McBinary.HeaderLength + reason.Length);
        var n = Encoding.ASCII.GetBytes(reason, span[McBinary.HeaderLength..]);
        McBinary.WriteHeader(output, opcode, McBinary.InternalError, 0, 0, n, opaque, 0);
        output.Advance(n);
    }

    /// <summary>A binary FLUSH or STAT to every server: each fragment is the client's packet with the loud opcode.</summary>
    private readonly ref struct BinaryToEveryServerSplit(McClientSession session, PoolServer[] servers, ReadOnlySpan<byte> packet) : ISplitProtocol<McRequest>
    {
        private readonly ReadOnlySpan<byte> _packet = packet; // a span cannot be captured: a field

        public void InitFragment(McRequest root, McRequest fragment)
        {
            fragment.Kind = McRequestKind.BinaryToEveryServerFragment;
            fragment.BinaryForward = root.BinaryForward;
        }

        /// <summary>This client's binary connection, so a later keyed request from it cannot overtake the FLUSH.</summary>
        public ServerConnection ConnectionFor(McRequest fragment, int server) => servers[server].ConnectionFor(session.Worker, session._id, BinaryDialect);

        public void WriteFragment(ByteBuffer output, McRequest root, int fragment) => WritePacket(output, _packet, root.BinaryForward);

        public static bool IsMergeable(McRequest root, ReadOnlySpan<byte> reply) => McBinary.Status(reply) == McBinary.Success;

        public static void WriteFailure(ByteBuffer output, McRequest root, string reason)
            => WriteBinaryFailure(output, root.BinaryOpcode, root.BinaryOpaque, reason);

        /// <summary>One server's error answers the command, with the client's opcode.</summary>
        public static void WriteUnmergeable(ByteBuffer output, McRequest root, ReadOnlySpan<byte> reply)
        {
            var span = output.GetSpan(reply.Length);
            reply.CopyTo(span);
            span[1] = root.BinaryOpcode;
            output.Advance(reply.Length);
        }

        public static bool Merge(ByteBuffer output, McRequest root)
        {
            if (root.BinaryOpcode != root.BinaryForward)
            {
                return false; // FLUSHQ: success is silent
            }
            McBinary.WriteEmpty(output, root.BinaryOpcode, root.BinaryOpaque);
            return true;
        }
    }
}
