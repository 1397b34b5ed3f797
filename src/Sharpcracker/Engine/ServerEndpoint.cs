using System.Net;
using System.Net.Sockets;
using Sharpcracker.Common;
using Sharpcracker.Configuration;

namespace Sharpcracker.Engine;

/// <summary>Where a backend lives, looked up afresh at every connect (so a DNS change is picked up on reconnect).</summary>
internal static class ServerEndpoint
{
    /// <summary>An unconnected socket for the server and the endpoint to connect it to.</summary>
    public static async Task<(Socket Socket, EndPoint EndPoint)> CreateAsync(ServerConfig config, CancellationToken cancellationToken = default)
    {
        if (config.IsUnix)
        {
            return (new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified), new UnixDomainSocketEndPoint(config.UnixPath!));
        }
        var address = IPAddress.TryParse(config.Host, out var ip)
            ? ip
            : (await Dns.GetHostAddressesAsync(config.Host!, cancellationToken).ConfigureAwait(false))[0];
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        return (socket, new IPEndPoint(address, config.Port));
    }

    /// <summary>The twemproxy strerror text for a connect/send/receive failure.</summary>
    public static string Describe(Exception e) => ServerFailure.FromException(e).Text;
}
