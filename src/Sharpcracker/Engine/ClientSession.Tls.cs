using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine.Tls;
using Sharpcracker.Stats;

namespace Sharpcracker.Engine;

/// <summary>
/// TLS on a client connection (pools with <c>tls_cert_file</c>): the transport sits between the
/// socket and <see cref="Process"/>, so protocol code sees plaintext only. The handshake runs on
/// this worker's loop as ciphertext arrives, bounded by <c>tls_handshake_timeout</c>; replies
/// assembled in a pass are encrypted in one write (<see cref="TlsTransport.Send"/>).
/// </summary>
internal abstract partial class ClientSession<TRequest>
{
    private readonly TlsTransport? _tls;
    private readonly Configuration.ListenerTlsConfig? _tlsConfig;

    private Stats.TlsCounters TlsCounters => _pool.Stats.ClientTls;

    /// <summary>Worker thread: starts the server side of the handshake and its deadline.</summary>
    private void StartTls()
    {
        var tls = _tls!;
        try
        {
            tls.BeginServer(_tlsConfig!.Context.CreateOptions());
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or InvalidOperationException or IOException)
        {
            TlsFailed(e.Message);
            return;
        }
        var timeout = _pool.Config.TlsHandshakeTimeoutMs;
        _worker.RunAfter(timeout, () =>
        {
            // Not "still Handshaking": a client that closes mid-handshake stops reading, yet its
            // session may wait for the socket to take handshake messages; the deadline covers that too.
            if (_phase != ClientPhase.Closed && !tls.IsAuthenticated)
            {
                TlsCounters.TimedOut();
                LogTls($"TLS handshake did not complete within {timeout} ms");
                _ending = ClientEnding.Error;
                Abort();
            }
        });
    }

    /// <summary>One receive: plaintext from TLS, or straight from the socket.</summary>
    private int Receive(Span<byte> buffer, out SocketError error)
    {
        if (_tls is null)
        {
            return _socket.Receive(buffer, SocketFlags.None, out error);
        }
        var n = _tls.Receive(buffer, out error);
        // Only a receive completes a server's handshake (the client's Finished message).
        if (_phase == ClientPhase.Handshaking && _tls.IsAuthenticated)
        {
            EnterPhase(ClientPhase.Reading);
            TlsCounters.Completed();
        }
        if (error is SocketError.Success or SocketError.WouldBlock)
        {
            return n;
        }
        if (_tls.Failure is { } failure && !_tls.ClosedBeforeHello)
        {
            TlsFailed(failure);
        }
        else if (_tls.ClosedBeforeHello)
        {
            error = SocketError.Success; // connected and closed without a word (a port check): a plain close
        }
        return 0;
    }

    private void TlsFailed(string reason)
    {
        if (!_tls!.IsAuthenticated)
        {
            TlsCounters.Failed();
            LogTls($"TLS handshake failed: {reason}");
        }
        else
        {
            LogTls($"TLS error: {reason}");
        }
        _ending = ClientEnding.Error;
    }

    private void LogTls(string what)
    {
        if (TlsCounters.ShouldLog(out var suppressed))
        {
            string peer;
            try
            {
                peer = _socket.RemoteEndPoint?.ToString() ?? "unix";
            }
            catch (SocketException)
            {
                peer = "?";
            }
            catch (ObjectDisposedException)
            {
                peer = "?";
            }
            _logger.ClientTlsFailed(_pool.Name, _id, peer, what, suppressed > 0 ? $" ({suppressed} more TLS failures not logged)" : "");
        }
    }

    /// <summary>
    /// After a read: decrypted bytes (or the peer's close) left in the transport get no readiness
    /// event, so they are processed now (unless paused: <see cref="Resume"/> comes back here); handshake messages
    /// the socket did not take wait for the end-of-pass flush.
    /// </summary>
    private void AfterTlsRead()
    {
        var tls = _tls!;
        while (tls.HasInputToReport && ReadsNow)
        {
            Read();
        }
        if (tls.HasPendingOutput)
        {
            MarkDirty();
        }
    }
}
