using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.ControlPlane;

/// <summary>
/// The check an ejected server must pass, on a fresh connection, before it is put back into the
/// continuum (twemproxy re-adds blindly and lets the next real request find out). The one place
/// that knows the probe per protocol: memcached <c>version</c> → a <c>VERSION …</c> line; Redis
/// <c>PING</c> → <c>+PONG</c> (after <c>AUTH</c> when the pool has <c>redis_auth</c>).
/// </summary>
internal static class HealthProbe
{
    /// <summary>Deadline for one probe when the pool sets no <c>timeout</c>.</summary>
    public const int DefaultProbeTimeoutMs = 2000;

    public static byte[] RequestFor(PoolConfig pool)
    {
        if (!pool.Redis)
        {
            return "version\r\n"u8.ToArray();
        }
        var ping = "*1\r\n$4\r\nPING\r\n";
        if (pool.RedisAuth is { } password)
        {
            var length = System.Text.Encoding.UTF8.GetByteCount(password);
            return System.Text.Encoding.UTF8.GetBytes($"*2\r\n$4\r\nAUTH\r\n${length}\r\n{password}\r\n{ping}");
        }
        return System.Text.Encoding.ASCII.GetBytes(ping);
    }

    /// <summary>True/false once the reply decides; null while more bytes are needed.</summary>
    public static bool? IsHealthy(PoolConfig pool, ReadOnlySpan<byte> reply)
    {
        ReadOnlySpan<byte> expected = !pool.Redis ? "VERSION "u8 : pool.RedisAuth is null ? "+PONG\r\n"u8 : "+OK\r\n+PONG\r\n"u8;
        var n = Math.Min(reply.Length, expected.Length);
        if (!reply[..n].SequenceEqual(expected[..n]))
        {
            return false;
        }
        if (reply.Length < expected.Length)
        {
            return null;
        }
        // memcached: the rest of the VERSION line must arrive too.
        return pool.Redis ? true : reply.IndexOf((byte)'\n') >= 0 ? true : null;
    }

    /// <summary>One probe: connect, send, read the answer. Null when healthy, else the failure.</summary>
    public static async Task<ServerFailure?> RunAsync(ServerConfig server, PoolConfig pool, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(pool.TimeoutMs is { } t and > 0 ? t : DefaultProbeTimeoutMs);
        Socket? socket = null;
        try
        {
            (socket, var endpoint) = await ServerEndpoint.CreateAsync(server, deadline.Token).ConfigureAwait(false);
            await socket.ConnectAsync(endpoint, deadline.Token).ConfigureAwait(false);
            // server_tls: the probe speaks TLS too, with the pool's current CA and name checks.
            await using var stream = await ProbeStream.OpenAsync(socket, server, pool, deadline.Token).ConfigureAwait(false);
            await stream.WriteAsync(RequestFor(pool), deadline.Token).ConfigureAwait(false);
            var buffer = new byte[512];
            var length = 0;
            while (true)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(length), deadline.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return ServerFailure.ServerClosed; // closed without answering
                }
                length += n;
                switch (IsHealthy(pool, buffer.AsSpan(0, length)))
                {
                    case true:
                        return null;
                    case false:
                        return ServerFailure.Desync; // answered, but not with the probe's reply
                }
                if (length == buffer.Length)
                {
                    return ServerFailure.Desync;
                }
            }
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            return ServerFailure.Tls(e.Message);
        }
        catch (IOException e) when (e.InnerException is SocketException socketError)
        {
            // A stream read or write that failed on the socket (a server dying mid-probe): its own error, not "Host is down".
            return ServerFailure.FromSocketError(socketError.SocketErrorCode);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return ServerFailure.FromException(e);
        }
        finally
        {
            socket?.Dispose();
        }
    }

    /// <summary>
    /// Runs after an ejection: every retry timeout, probe; on success re-admit the server and
    /// stop; on failure stay ejected for another period. Ends when the pool shuts down.
    /// </summary>
    public static async Task ProbeUntilReadmittedAsync(ServerPool pool, PoolServer server, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(server.Health.RetryTimeoutMs, cancellationToken).ConfigureAwait(false);
                ServerFailure? error;
                server.Health.SetProbing(true);
                try
                {
                    error = await RunAsync(server.Config, pool.Config, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    server.Health.SetProbing(false);
                }
                if (error is null)
                {
                    if (server.Health.OnProbeResult(null))
                    {
                        logger.ServerBackInService(pool.Name, server.Name);
                        pool.RebuildLiveServers();
                    }
                    return;
                }
                server.Health.OnProbeResult(error);
                logger.ServerProbeFailed(pool.Name, server.Name, error.Text, server.Health.RetryTimeoutMs);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Pool shut down.
        }
    }
}
