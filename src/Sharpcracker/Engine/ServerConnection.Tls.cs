using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sharpcracker.Common;
using Sharpcracker.Common.Interop;
using Sharpcracker.Configuration;
using Sharpcracker.Engine.Tls;
using Sharpcracker.Stats;

namespace Sharpcracker.Engine;

/// <summary>
/// TLS to the server (pools with <c>server_tls: true</c>): after the TCP connect the connection
/// is <see cref="ServerConnectionState.Handshaking"/> while the client side of the handshake
/// runs on the worker's loop (SNI and name check against the server's host by default); requests,
/// including a Redis AUTH/SELECT handshake, queue meanwhile and go out encrypted once it is done.
/// A handshake that fails or outlasts <c>tls_handshake_timeout</c> fails the connection like a
/// refused connect (counted, logged, requests fail, back-off).
/// </summary>
internal sealed partial class ServerConnection
{
    private TlsTransport? _tls;

    /// <summary>The TLS handshake is still running: nothing is sent or received for requests yet.</summary>
    private bool IsTlsNegotiating => _tls is { IsAuthenticated: false };

    private Stats.TlsCounters TlsCounters => _server.Stats.Pool.ServerTls;

    private void StartTls(ServerTlsConfig config)
    {
        var tls = new TlsTransport(_socket!, server: false);
        Debug.Assert(State == ServerConnectionState.Handshaking);
        _tls = tls;
        try
        {
            tls.BeginClient(config.Context.CreateOptions(ServerTlsContext.HostFor(_server.Config)));
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or InvalidOperationException or IOException)
        {
            // Possibly inside the call that commits a request (a unix socket connects at once):
            // fail later in the pass, as a refused connect does.
            TlsFailed(ServerFailure.Tls(e.Message), later: true);
            return;
        }
        if (!tls.FlushOutput(out var error))
        {
            TlsFailed(ServerFailure.FromSocketError(error), later: true);
            return;
        }
        SetInterest(tls.HasPendingOutput ? Libc.EpollIn | Libc.EpollOut : Libc.EpollIn);
        var generation = _generation;
        var timeout = _server.Pool.Config.TlsHandshakeTimeoutMs;
        _worker.RunAfter(timeout, () =>
        {
            if (_generation == generation && IsTlsNegotiating)
            {
                TlsCounters.TimedOut();
                _logger.ServerTlsHandshakeTimedOut(_server.Pool.Name, _server.Name, timeout);
                Fail(ServerFailure.TimedOut);
            }
        });
    }

    private void HandleTlsHandshake(uint events)
    {
        var tls = _tls!;
        if ((events & Libc.EpollOut) != 0 && tls.HasPendingOutput && !tls.FlushOutput(out var sendError))
        {
            TlsFailed(ServerFailure.FromSocketError(sendError));
            return;
        }
        if ((events & (Libc.EpollIn | Libc.EpollErr | Libc.EpollHup)) != 0)
        {
            switch (tls.Pump(out var error))
            {
                case TlsProgress.Failed:
                    TlsFailed(tls.Failure is { } failure
                        ? ServerFailure.Tls(failure)
                        : ServerFailure.FromSocketError(error == SocketError.Success ? SocketError.ConnectionReset : error));
                    return;
                case TlsProgress.Ready:
                    Debug.Assert(!IsTlsNegotiating);
                    TlsCounters.Completed();
                    _logger.ServerTlsEstablished(_server.Pool.Name, _server.Name, tls.Protocol);
                    OnTransportReady();
                    Flush(); // requests queued during the handshake go out now, encrypted
                    return;
            }
        }
        SetInterest(tls.HasPendingOutput ? Libc.EpollIn | Libc.EpollOut : Libc.EpollIn);
    }

    private void TlsFailed(ServerFailure failure, bool later = false)
    {
        TlsCounters.Failed();
        if (TlsCounters.ShouldLog(out var suppressed))
        {
            _logger.ServerTlsHandshakeFailed(_server.Pool.Name, _server.Name, failure.Text, suppressed > 0 ? $" ({suppressed} more TLS failures not logged)" : "");
        }
        if (later)
        {
            ConnectFailedLater(failure);
        }
        else
        {
            Fail(failure);
        }
    }
}
