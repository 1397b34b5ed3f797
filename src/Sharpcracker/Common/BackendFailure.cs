using System.Net.Sockets;

namespace Sharpcracker.Common;

/// <summary>
/// One failure of a server connection: its <see cref="Kind"/> (what stats and health switch on)
/// and the text clients are answered with. Immutable, so one object is handed to every request the
/// failure fails, kept by <see cref="ServerHealth"/> as the last failure, and handed again to
/// requests refused during a back-off. Created per connection failure, never per request: the
/// kinds without a detail are shared instances.
/// </summary>
internal sealed class BackendFailure
{
    // The text table: twemproxy's strerror texts where it has them.
    private const string ServerClosedText = "unknown";           // twemproxy's text for err 0 (EOF)
    private const string TimedOutText = "Connection timed out";  // ETIMEDOUT
    private const string InvalidArgumentText = "Invalid argument"; // EINVAL: twemproxy's text for a bad reply
    private const string ClosedByProxyText = "Connection closed by proxy";

    public static readonly BackendFailure ServerClosed = new(BackendFailureKind.ServerClosed, ServerClosedText);
    public static readonly BackendFailure TimedOut = new(BackendFailureKind.TimedOut, TimedOutText);
    public static readonly BackendFailure Desync = new(BackendFailureKind.Desync, InvalidArgumentText);
    public static readonly BackendFailure InternalError = new(BackendFailureKind.InternalError, InvalidArgumentText);
    public static readonly BackendFailure ClosedByProxy = new(BackendFailureKind.ClosedByProxy, ClosedByProxyText);

    private BackendFailure(BackendFailureKind kind, string text, SocketError socketError = SocketError.Success)
    {
        Kind = kind;
        Text = text;
        SocketError = socketError;
    }

    public BackendFailureKind Kind { get; }

    /// <summary>What the client is answered with, after <c>SERVER_ERROR </c> or <c>-ERR </c>.</summary>
    public string Text { get; }

    /// <summary>The socket error of a <see cref="BackendFailureKind.Socket"/> or <see cref="BackendFailureKind.Resolve"/> failure; Success otherwise.</summary>
    public SocketError SocketError { get; }

    /// <summary>A socket call failed with <paramref name="error"/>; ETIMEDOUT is <see cref="TimedOut"/> (twemproxy counts it as a timeout).</summary>
    public static BackendFailure FromSocketError(SocketError error) =>
        error == SocketError.TimedOut ? TimedOut : new(BackendFailureKind.Socket, SocketErrorText(error), error);

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
    public static BackendFailure FromException(Exception e) => e switch
    {
        SocketException se => FromSocketError(se.SocketErrorCode),
        OperationCanceledException => TimedOut,
        _ => FromSocketError(SocketError.HostDown),
    };

    /// <summary>A socket could not be created (out of descriptors): the exception's own text.</summary>
    public static BackendFailure SocketCreation(SocketException e) => new(BackendFailureKind.Socket, e.Message, e.SocketErrorCode);

    /// <summary>
    /// The host name did not resolve (<paramref name="e"/>: what the lookup threw); a lookup that
    /// timed out is <see cref="TimedOut"/>, as its text always said.
    /// </summary>
    public static BackendFailure Resolve(Exception e) => FromException(e) is { Kind: BackendFailureKind.Socket } failure
        ? new(BackendFailureKind.Resolve, failure.Text, failure.SocketError)
        : TimedOut;

    /// <summary>The TLS layer failed with <paramref name="text"/>.</summary>
    public static BackendFailure Tls(string text) => new(BackendFailureKind.Tls, text);

    /// <summary>The server refused a handshake command; <paramref name="text"/> says which and why.</summary>
    public static BackendFailure HandshakeRefused(string text) => new(BackendFailureKind.HandshakeRefused, text);

    /// <summary>The proxy dropped the connection (a master switch); <paramref name="text"/> is what clients are told.</summary>
    public static BackendFailure Reset(string text) => new(BackendFailureKind.Reset, text);

    public override string ToString() => Text;
}
