using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// A small self-contained TCP listener (its own socket and accept loop, independent of the
/// pools' listeners) that hands each accepted connection to a handler. Used for the stats port
/// and the metrics endpoint; each connection is served on its own task and always closed.
/// </summary>
internal sealed class StatsTcpListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Func<Socket, CancellationToken, Task> _handler;
    private readonly ILogger _logger;
    private readonly string _what;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    private StatsTcpListener(Socket socket, string what, Func<Socket, CancellationToken, Task> handler, ILogger logger)
    {
        _socket = socket;
        _what = what;
        _handler = handler;
        _logger = logger;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Binds and listens on <paramref name="address"/>:<paramref name="port"/>; throws SocketException when it cannot.</summary>
    public static StatsTcpListener Start(string address, int port, string what, Func<Socket, CancellationToken, Task> handler, ILogger logger)
    {
        var ip = IPAddress.TryParse(address, out var parsed)
            ? parsed
            : Dns.GetHostAddresses(address) is { Length: > 0 } all
                ? all.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? all[0]
                : throw new SocketException((int)SocketError.HostNotFound);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(ip, port));
            socket.Listen(128);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new StatsTcpListener(socket, what, handler, logger);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // EMFILE and friends: log, back off briefly, keep serving.
                _logger.ConsoleAcceptFailed(_what, e.SocketErrorCode);
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var peer = client.RemoteEndPoint?.ToString() ?? "?";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10)); // a client that never sends or reads cannot hold a task forever
            await _handler(client, timeout.Token).ConfigureAwait(false);
            _logger.ConsoleServed(_what, peer);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            _logger.ConsoleServeFailed(_what, peer, e.Message);
        }
        finally
        {
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Sends all of <paramref name="data"/>, then closes the sending side (the peer sees EOF after the document).</summary>
    internal static async Task SendAllAndShutdownAsync(Socket client, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var n = await client.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[n..];
        }
        client.Shutdown(SocketShutdown.Send);
    }
}
