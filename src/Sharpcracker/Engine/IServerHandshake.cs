using Sharpcracker.Common;
namespace Sharpcracker.Engine;


/// <summary>
/// Requests sent first on every new backend connection, before any client bytes (Redis: AUTH,
/// then SELECT). The connection queues them ahead of the client requests that triggered the
/// connect and checks each one-line reply; a refusal fails the connection with its reason.
/// </summary>
internal interface IServerHandshake
{
    /// <summary>The bytes of every handshake command, in order.</summary>
    ReadOnlySpan<byte> Request { get; }

    /// <summary>How many one-line replies the request produces.</summary>
    int Replies { get; }

    /// <summary>Null when reply <paramref name="index"/> (its line without CRLF) accepts; otherwise the refusal (<see cref="ServerFailureKind.HandshakeRefused"/>).</summary>
    ServerFailure? Check(int index, ReadOnlySpan<byte> line);
}
