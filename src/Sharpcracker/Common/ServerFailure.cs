using System.Net.Sockets;

namespace Sharpcracker.Common;

/// <summary>
/// One failure of a server connection: its <see cref="Kind"/> (what stats and health switch on)
/// and the text clients are answered with. Immutable, so one object is handed to every request the
/// failure fails, kept by <see cref="ServerHealth"/> as the last failure, and handed again to
/// requests refused during a back-off. Created per connection failure, never per request: the
/// kinds without a detail are shared instances.
/// </summary>
internal sealed class ServerFailure
{
    // The text table: twemproxy's strerror texts where it has them.
    private const string ServerClosedText = "unknown";           // twemproxy's text for err 0 (EOF)
    private const string TimedOutText = "Connection timed out";  // ETIMEDOUT
    private const string InvalidArgumentText = "Invalid argument"; // EINVAL: twemproxy's text for a bad reply
    private const string ClosedByProxyText = "Connection closed by proxy";

    public static readonly ServerFailure ServerClosed = new(ServerFailureKind.ServerClosed, ServerClosedText);
    public static readonly ServerFailure TimedOut = new(ServerFailureKind.TimedOut, TimedOutText);
    public static readonly ServerFailure Desync = new(ServerFailureKind.Desync, InvalidArgumentText);
    public static readonly ServerFailure InternalError = new(ServerFailureKind.InternalError, InvalidArgumentText);
    public static readonly ServerFailure ClosedByProxy = new(ServerFailureKind.ClosedByProxy, ClosedByProxyText);

    private ServerFailure(ServerFailureKind kind, string text, SocketError socketError = SocketError.Success)
    {
        Kind = kind;
        Text = text;
        SocketError = socketError;
    }

    public ServerFailureKind Kind { get; }

    /// <summary>What the client is answered with, after <c>SERVER_ERROR </c> or <c>-ERR </c>.</summary>
    public string Text { get; }

    /// <summary>The socket error of a <see cref="ServerFailureKind.Socket"/> or <see cref="ServerFailureKind.Resolve"/> failure; Success otherwise.</summary>
    public SocketError SocketError { get; }

    /// <summary>A socket call failed with <paramref name="error"/>; ETIMEDOUT is <see cref="TimedOut"/> (twemproxy counts it as a timeout).</summary>
    public static ServerFailure FromSocketError(SocketError error) =>
        error == SocketError.TimedOut ? TimedOut : new(ServerFailureKind.Socket, SocketErrorText(error), error);

    /// <summary>The strerror text twemproxy answers a socket error with.</summary>
    private static string SocketErrorText(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.ConnectionReset => "Connection reset by peer",
        SocketError.TimedOut => TimedOutText,
        SocketError.HostDown => "Host is down",
        SocketError.HostUnreachable => "No route to host",
        SocketError.NetworkUnreachable => "Network is unreachable",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "Name or service not known",
        SocketError.Shutdown or SocketError.ConnectionAborted => "Connection aborted",
        SocketError.AddressNotAvailable => "Cannot assign requested address",
        _ => "Connection reset by peer",
    };

    /// <summary>
    /// A connect, send or receive that threw: a socket error, a cancelled (timed-out) operation,
    /// or anything else as "Host is down".
    /// </summary>
    public static ServerFailure FromException(Exception e) => e switch
    {
        SocketException se => FromSocketError(se.SocketErrorCode),
        OperationCanceledException => TimedOut,
        _ => FromSocketError(SocketError.HostDown),
    };

    /// <summary>A socket could not be created (out of descriptors): the exception's own text.</summary>
    public static ServerFailure SocketCreation(SocketException e) => new(ServerFailureKind.Socket, e.Message, e.SocketErrorCode);

    /// <summary>
    /// The host name did not resolve (<paramref name="e"/>: what the lookup threw); a lookup that
    /// timed out is <see cref="TimedOut"/>, as its text always said.
    /// </summary>
    public static ServerFailure Resolve(Exception e) => FromException(e) is { Kind: ServerFailureKind.Socket } failure
        ? new(ServerFailureKind.Resolve, failure.Text, failure.SocketError)
        : TimedOut;

    /// <summary>The TLS layer failed with <paramref name="text"/>.</summary>
    public static ServerFailure Tls(string text) => new(ServerFailureKind.Tls, text);

    /// <summary>The server refused a handshake command; <paramref name="text"/> says which and why.</summary>
    public static ServerFailure HandshakeRefused(string text) => new(ServerFailureKind.HandshakeRefused, text);

    /// <summary>The proxy dropped the connection (a master switch); <paramref name="text"/> is what clients are told.</summary>
    public static ServerFailure Reset(string text) => new(ServerFailureKind.Reset, text);

    public override string ToString() => Text;
}
