using System.Net.Security;
using System.Net.Sockets;
using Sharpcracker.Configuration;

namespace Sharpcracker.ControlPlane;

/// <summary>
/// The stream a health probe talks over (off the workers, on the thread pool): the connected
/// socket itself, or TLS over it for pools with <c>server_tls</c>.
/// </summary>
internal static class ProbeStream
{
    public static async Task<Stream> OpenAsync(Socket socket, ServerConfig server, PoolConfig pool, CancellationToken cancellationToken)
    {
        var network = new NetworkStream(socket, ownsSocket: false);
        if (pool.ServerTls is not { } tls)
        {
            return network;
        }
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(tls.Context.CreateOptions(ServerTlsContext.HostFor(server)), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return ssl;
    }
}
