using System.Net.Sockets;

namespace Sharpcracker.Common;

/// <summary>The strerror texts twemproxy puts after SERVER_ERROR / -ERR, so client-side parsers keep working.</summary>
internal static class SocketErrors
{
    public static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.ConnectionReset => "Connection reset by peer",
        SocketError.TimedOut => "Connection timed out",
        SocketError.HostDown => "Host is down",
        SocketError.HostUnreachable => "No route to host",
        SocketError.NetworkUnreachable => "Network is unreachable",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "Name or service not known",
        SocketError.Shutdown or SocketError.ConnectionAborted => "Connection aborted",
        SocketError.AddressNotAvailable => "Cannot assign requested address",
        _ => "Connection reset by peer",
    };
}
