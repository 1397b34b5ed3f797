using System.Net.Sockets;

namespace Sharpcracker.Proxy;

/// <summary>
/// Bytes exchanged on every new backend connection before any client request is sent (Redis:
/// AUTH, then SELECT). Runs on the connecting task, before the connection's loops start.
/// </summary>
internal interface IBackendHandshake
{
    /// <summary>Null when the connection is ready; otherwise the reason every waiting request fails with.</summary>
    ValueTask<string?> RunAsync(Socket socket, CancellationToken cancellationToken);
}
