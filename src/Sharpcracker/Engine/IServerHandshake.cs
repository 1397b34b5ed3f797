using Sharpcracker.Common;

namespace Sharpcracker.Engine;

/// <summary>
/// Requests sent first on every new backend connection, before any client bytes (Redis: AUTH,
/// SELECT, READONLY, then HELLO 3 on a RESP3 connection). The connection queues them ahead of the
/// client requests that triggered the connect and checks each reply; a refusal fails the
/// connection with its reason.
/// </summary>
internal interface IServerHandshake
{
    /// <summary>The bytes of every handshake command, in order.</summary>
    ReadOnlySpan<byte> Request { get; }

    /// <summary>How many replies the request produces.</summary>
    int Replies { get; }

    /// <summary>Length of reply <paramref name="index"/> at the start of <paramref name="data"/>: 0 while incomplete, -1 when malformed.</summary>
    int ReplyLength(int index, ReadOnlySpan<byte> data);

    /// <summary>Null when reply <paramref name="index"/> (whole, CRLF included) accepts; otherwise the refusal (<see cref="ServerFailureKind.HandshakeRefused"/>).</summary>
    ServerFailure? Check(int index, ReadOnlySpan<byte> reply);
}
