using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.Testing;

/// <summary>A raw RESP client over a real socket: sends commands, reads whole replies (any RESP2 type), bounded in time.</summary>
public sealed class RespConnection : IDisposable
{
    private static readonly TimeSpan s_readTimeout = TimeSpan.FromSeconds(30);
    private readonly Socket _socket;
    private readonly System.Net.Security.SslStream? _tls;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public RespConnection(int port)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect("127.0.0.1", port);
    }

    /// <summary>Over TLS (a TLS-only redis-server), trusting the test CA; the handshake is bounded by <see cref="TestCertificates"/>.</summary>
    public static async Task<RespConnection> ConnectTlsAsync(int port, TestCertificates tls)
    {
        var plain = new RespConnection(port);
        try
        {
            return new RespConnection(plain._socket, await tls.AuthenticateAsync(new NetworkStream(plain._socket, ownsSocket: false)));
        }
        catch
        {
            plain.Dispose();
            throw;
        }
    }

    private RespConnection(Socket socket, System.Net.Security.SslStream tls)
    {
        _socket = socket;
        _tls = tls;
    }

    private ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancel)
        => _tls is null ? _socket.ReceiveAsync(buffer, SocketFlags.None, cancel) : _tls.ReadAsync(buffer, cancel);

    /// <summary>Encodes arguments as a RESP array (UTF-8).</summary>
    public static byte[] Encode(params string[] args) => Encode(args.Select(Encoding.UTF8.GetBytes).ToArray());

    public static byte[] Encode(byte[][] args)
    {
        var ms = new MemoryStream();
        var header = Encoding.ASCII.GetBytes($"*{args.Length}\r\n");
        ms.Write(header);
        foreach (var a in args)
        {
            ms.Write(Encoding.ASCII.GetBytes($"${a.Length}\r\n"));
            ms.Write(a);
            ms.Write("\r\n"u8);
        }
        return ms.ToArray();
    }

    public async Task SendAsync(byte[] bytes)
    {
        if (_tls is not null)
        {
            await _tls.WriteAsync(bytes);
            return;
        }
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    public Task SendRawAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    /// <summary>Sends one command and returns its whole reply as raw bytes rendered Latin-1.</summary>
    public async Task<string> CallAsync(params string[] args)
    {
        await SendAsync(Encode(args));
        return await ReadReplyAsync();
    }

    /// <summary>Reads one complete reply (nested arrays included) and returns its raw bytes as Latin-1 text.</summary>
    public async Task<string> ReadReplyAsync() => Encoding.Latin1.GetString(await ReadReplyBytesAsync());

    public async Task<byte[]> ReadReplyBytesAsync()
    {
        using var cts = new CancellationTokenSource(s_readTimeout);
        while (true)
        {
            var length = FrameLength(_buffer.AsSpan(_start, _end - _start));
            if (length > 0)
            {
                var reply = _buffer.AsSpan(_start, length).ToArray();
                _start += length;
                return reply;
            }
            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            var n = await ReceiveAsync(_buffer.AsMemory(_end), cts.Token);
            if (n == 0)
            {
                throw new IOException("connection closed before a complete reply: " + Encoding.Latin1.GetString(_buffer, _start, _end - _start));
            }
            _end += n;
        }
    }

    /// <summary>Reads until the peer closes; returns what was left unread plus what arrived (bounded).</summary>
    public async Task<string> ReadToEndAsync()
    {
        var ms = new MemoryStream();
        ms.Write(_buffer, _start, _end - _start);
        _start = _end = 0;
        var chunk = new byte[65536];
        using var cts = new CancellationTokenSource(s_readTimeout);
        while (true)
        {
            int n;
            try
            {
                n = await ReceiveAsync(chunk, cts.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                break;
            }
            if (n == 0)
            {
                break;
            }
            ms.Write(chunk, 0, n);
        }
        return Encoding.Latin1.GetString(ms.ToArray());
    }

    /// <summary>Length of one complete RESP2 or RESP3 reply at the start of data, or 0 when incomplete. A test-side framer independent of the proxy's.</summary>
    private static int FrameLength(ReadOnlySpan<byte> data)
    {
        var pos = 0;
        long expected = 1;
        while (expected > 0)
        {
            var nl = data[pos..].IndexOf("\r\n"u8);
            if (nl < 0)
            {
                return 0;
            }
            var type = (char)data[pos];
            var counted = "$=!*~>%|".Contains(type);
            var value = nl > 1 && counted ? long.Parse(Encoding.ASCII.GetString(data.Slice(pos + 1, nl - 1))) : 0;
            pos += nl + 2;
            expected--;
            if (type is '$' or '=' or '!' && value >= 0)
            {
                pos += (int)value + 2;
                if (pos > data.Length)
                {
                    return 0;
                }
            }
            else if (type is '*' or '~' or '>' && value > 0)
            {
                expected += value;
            }
            else if (type is '%' && value > 0)
            {
                expected += 2 * value;
            }
            else if (type is '|')
            {
                expected += 2 * value + 1; // an attribute annotates the value that follows it
            }
        }
        return pos;
    }

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public void Dispose()
    {
        _tls?.Dispose();
        _socket.Dispose();
    }
}
