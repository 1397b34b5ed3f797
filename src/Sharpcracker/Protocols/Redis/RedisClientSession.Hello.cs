using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Engine;

namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// HELLO and the client's protocol. A client starts in RESP2; <c>HELLO 3</c> switches it to RESP3,
/// whose commands then travel on the server's RESP3 connections (<see cref="ServerDialect.Alternate"/>,
/// opened with HELLO 3 in their handshake), so every reply passes byte for byte. HELLO itself is
/// answered by the proxy as redis-server 7 answers it, with the version of a real server: a bare
/// HELLO goes to one server on a RESP2 connection (which it does not switch), and the write loop
/// builds the client's reply from that server's. The switch happens when that reply is written:
/// the parser stops at a HELLO until then, so no command after it is routed with the old
/// protocol and none before it travels on the new connections (a client's commands stay in order).
/// A server without HELLO (Redis before 6) answers with an error: the client's <c>HELLO 3</c> then
/// gets <c>-NOPROTO</c> and it stays in RESP2, so clients fall back.
/// </summary>
internal sealed partial class RedisClientSession
{
    private static ReadOnlySpan<byte> BareHello => "*1\r\n$5\r\nHELLO\r\n"u8;

    private static ReadOnlySpan<byte> NoProto => "-NOPROTO unsupported protocol version\r\n"u8;

    // RESP3 after a successful HELLO 3; read by the parser, written by the write loop (one thread).
    private bool _resp3;
    private ServerDialect _dialect;
    // A HELLO is outstanding: the parser waits for its reply (see the class comment).
    private bool _helloPending;

    /// <summary>HELLO [protover [AUTH user pass] [SETNAME name]], checked and applied in redis-server 7.0's order.</summary>
    private void Hello(ReadOnlySpan<byte> command)
    {
        var argc = _args.Count;
        var protover = _resp3 ? 3 : 2;
        if (argc >= 2)
        {
            if (!RespRequestParser.TryParseLong(Arg(command, 1), out var version))
            {
                EnqueueError("Protocol version is not an integer or out of range");
                return;
            }
            if (version is < 2 or > 3)
            {
                EnqueueLocal(NoProto);
                return;
            }
            protover = (int)version;
        }
        // Options take effect as they are read, as in redis-server 7.0: a later bad option leaves
        // an earlier AUTH or SETNAME applied.
        for (var i = 2; i < argc; i++)
        {
            var more = argc - i - 1;
            var option = Arg(command, i);
            if (Ascii.EqualsIgnoreCase(option, "auth"u8) && more >= 2)
            {
                if (!Authenticate(Arg(command, i + 1), Arg(command, i + 2), reply: false))
                {
                    EnqueueLocal(RedisReplies.WrongPass);
                    return;
                }
                i += 2;
            }
            else if (Ascii.EqualsIgnoreCase(option, "setname"u8) && more >= 1)
            {
                if (!TrySetName(Arg(command, i + 1)))
                {
                    return;
                }
                i += 1;
            }
            else
            {
                EnqueueError($"Syntax error in HELLO option '{Truncate(option, 128)}'");
                return;
            }
        }
        if (!_authenticated)
        {
            EnqueueError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time", prefix: "");
            return;
        }
        var server = RouteKey(default, read: false);
        if (server is null)
        {
            EnqueueNoServer();
            return;
        }
        var request = Rent(RedisRequestKind.Hello);
        request.Protover = (byte)protover;
        Enqueue(request);
        _helloPending = true;
        ForwardTo(ConnectionTo(server, ServerDialect.Default), request, new RequestBytes(BareHello));
    }

    /// <summary>
    /// Write loop: the client's HELLO reply from the server's, and the protocol switch. A server
    /// without HELLO (before Redis 6: unknown command) makes HELLO 3 <c>-NOPROTO</c>; any other
    /// error reply is passed on, and the client keeps its protocol.
    /// </summary>
    private void WriteHello(ByteBuffer output, RedisRequest request)
    {
        _helloPending = false;
        if (request.Error is { } error)
        {
            WriteFailure(output, error);
            return;
        }
        var reply = request.Reply.Span;
        if (reply.StartsWith("-ERR unknown command"u8) && request.Protover == 3)
        {
            output.Write(NoProto); // a server without HELLO cannot speak RESP3
            return;
        }
        if (reply.IsEmpty || reply[0] == (byte)'-' || MapValue(reply, "version"u8) is not { } version)
        {
            output.Write(reply); // the server's own refusal (NOAUTH, …), as it would answer the client
            return;
        }
        _resp3 = request.Protover == 3;
        _dialect = _resp3 ? ServerDialect.Alternate : ServerDialect.Default;
        var bulk = reply[version];
        var payload = bulk[(bulk.IndexOf((byte)'\n') + 1)..^2];
        output.Write(_resp3 ? "%7\r\n"u8 : "*14\r\n"u8);
        RedisReplies.WriteBulk(output, "server"u8);
        RedisReplies.WriteBulk(output, "redis"u8);
        RedisReplies.WriteBulk(output, "version"u8);
        RedisReplies.WriteBulk(output, payload);
        RedisReplies.WriteBulk(output, "proto"u8);
        RedisReplies.WriteInteger(output, ':', request.Protover);
        RedisReplies.WriteBulk(output, "id"u8);
        RedisReplies.WriteInteger(output, ':', _id);
        RedisReplies.WriteBulk(output, "mode"u8);
        RedisReplies.WriteBulk(output, "standalone"u8);
        RedisReplies.WriteBulk(output, "role"u8);
        RedisReplies.WriteBulk(output, "master"u8);
        // Module commands are not in the proxy's command table: it serves none.
        RedisReplies.WriteBulk(output, "modules"u8);
        output.Write("*0\r\n"u8);
    }

    /// <summary>
    /// Where the value of <paramref name="key"/> lies in a flat map reply (RESP2: an array of
    /// key/value pairs; RESP3: a map) whose keys are bulk strings, when that value is a bulk string.
    /// </summary>
    private static Range? MapValue(ReadOnlySpan<byte> reply, ReadOnlySpan<byte> key)
    {
        var nl = reply.IndexOf((byte)'\n');
        if (nl < 2 || reply[0] is not ((byte)'*' or (byte)'%') || !RespRequestParser.TryParseLong(reply[1..(nl - 1)], out var count))
        {
            return null;
        }
        var pairs = reply[0] == (byte)'%' ? count : count / 2;
        var pos = nl + 1;
        for (var i = 0; i < pairs && pos < reply.Length; i++)
        {
            var keyLength = RespReplyFramer.ElementLength(reply[pos..]);
            if (keyLength <= 0)
            {
                return null;
            }
            var keyElement = reply.Slice(pos, keyLength);
            pos += keyLength;
            var valueLength = RespReplyFramer.ElementLength(reply[pos..]);
            if (valueLength <= 0)
            {
                return null;
            }
            if (keyElement[0] == (byte)'$' && keyElement[(keyElement.IndexOf((byte)'\n') + 1)..^2].SequenceEqual(key))
            {
                return reply[pos] == (byte)'$' ? new Range(pos, pos + valueLength) : null;
            }
            pos += valueLength;
        }
        return null;
    }
}
