using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// A get/set client of one <see cref="WireProtocol"/> over a real loopback socket, buffered, one
/// request at a time, every read bounded by <see cref="ReadTimeout"/> (a reply that never comes
/// fails with <see cref="TimeoutException"/>: a hang is a finding, never a wait). Replies are
/// parsed independently of the proxy's own framers.
/// </summary>
public sealed class ProtocolClient : IDisposable
{
    private readonly Socket _socket;
    private readonly WireProtocol _protocol;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public ProtocolClient(WireProtocol protocol, int port)
    {
        _protocol = protocol;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            _socket.Connect("127.0.0.1", port);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <summary>How long one reply may take before the client reports a hang.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public async Task<Reply> SetAsync(string key, string value)
    {
        switch (_protocol)
        {
            case WireProtocol.MemcachedText:
                await SendAsync(Encoding.ASCII.GetBytes($"set {key} 0 0 {value.Length}\r\n{value}\r\n"));
                var line = await ReadLineAsync();
                return line == "STORED" ? new Reply(ReplyKind.Value, "") : TextError(line);
            case WireProtocol.MemcachedBinary:
                await SendAsync(BinaryPacket.Request(0x01, key, BinaryPacket.StoreExtras(), value));
                return await ReadBinaryAsync();
            default:
                await SendAsync(RespConnection.Encode("SET", key, value));
                var reply = await ReadRespAsync();
                return reply.Kind == ReplyKind.Value ? new Reply(ReplyKind.Value, "") : reply;
        }
    }

    public async Task<Reply> GetAsync(string key)
    {
        await SendGetAsync(key);
        return await ReadGetReplyAsync(key);
    }

    /// <summary>Sends a get without waiting for its reply (pipelining: read the replies in order with <see cref="ReadGetReplyAsync"/>).</summary>
    public Task SendGetAsync(string key) => SendAsync(_protocol switch
    {
        WireProtocol.MemcachedText => Encoding.ASCII.GetBytes($"get {key}\r\n"),
        WireProtocol.MemcachedBinary => BinaryPacket.Request(0x00, key),
        _ => RespConnection.Encode("GET", key),
    });

    /// <summary>Reads the reply to a get of <paramref name="key"/> sent earlier.</summary>
    public async Task<Reply> ReadGetReplyAsync(string key)
    {
        switch (_protocol)
        {
            case WireProtocol.MemcachedText:
                var line = await ReadLineAsync();
                if (line == "END")
                {
                    return new Reply(ReplyKind.Miss, "");
                }
                if (!line.StartsWith("VALUE ", StringComparison.Ordinal))
                {
                    return TextError(line);
                }
                var length = int.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                var data = await ReadBytesAsync(length + 2);
                var end = await ReadLineAsync();
                if (end != "END" || line.Split(' ')[1] != key)
                {
                    throw new InvalidDataException($"malformed get reply for {key}: {line} … {end}");
                }
                return new Reply(ReplyKind.Value, Encoding.ASCII.GetString(data, 0, length));
            case WireProtocol.MemcachedBinary:
                return await ReadBinaryAsync();
            default:
                return await ReadRespAsync();
        }
    }

    /// <summary>Redis: any command with a simple reply (AUTH, SELECT).</summary>
    public async Task<Reply> CommandAsync(params string[] args)
    {
        await SendAsync(RespConnection.Encode(args));
        return await ReadRespAsync();
    }

    /// <summary>A get of several keys in one command (text <c>get k1 k2 …</c>, Redis MGET): the values in key order (null for a miss), or the one error.</summary>
    public async Task<(string?[]? Values, string? Error)> MultiGetAsync(params string[] keys)
    {
        if (_protocol == WireProtocol.MemcachedText)
        {
            await SendAsync(Encoding.ASCII.GetBytes($"get {string.Join(' ', keys)}\r\n"));
            var found = new Dictionary<string, string>(StringComparer.Ordinal);
            while (true)
            {
                var line = await ReadLineAsync();
                if (line == "END")
                {
                    return ([.. keys.Select(k => found.GetValueOrDefault(k))], null);
                }
                if (!line.StartsWith("VALUE ", StringComparison.Ordinal))
                {
                    return (null, TextError(line).Text);
                }
                var parts = line.Split(' ');
                var data = await ReadBytesAsync(int.Parse(parts[3], CultureInfo.InvariantCulture) + 2);
                found[parts[1]] = Encoding.ASCII.GetString(data, 0, data.Length - 2);
            }
        }
        if (_protocol != WireProtocol.Redis)
        {
            throw new NotSupportedException("binary multi-gets are pipelined GETKQs, not one command");
        }
        await SendAsync(RespConnection.Encode(["MGET", .. keys]));
        var header = await ReadLineAsync();
        if (header[0] == '-')
        {
            return (null, header.StartsWith("-ERR ", StringComparison.Ordinal) ? header[5..] : header[1..]);
        }
        var values = new string?[int.Parse(header.AsSpan(1), CultureInfo.InvariantCulture)];
        for (var i = 0; i < values.Length; i++)
        {
            var r = await ReadRespAsync();
            values[i] = r.Kind == ReplyKind.Value ? r.Text : null;
        }
        return (values, null);
    }

    /// <summary>A text-protocol line that is not the expected answer: SERVER_ERROR's reason, or the whole line.</summary>
    private static Reply TextError(string line) => new(ReplyKind.Error, line.StartsWith("SERVER_ERROR ", StringComparison.Ordinal) ? line["SERVER_ERROR ".Length..] : line);

    private async Task<Reply> ReadBinaryAsync()
    {
        var header = await ReadBytesAsync(24);
        if (header[0] != 0x81)
        {
            throw new InvalidDataException($"binary reply magic 0x{header[0]:x2}");
        }
        var status = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(6));
        var body = await ReadBytesAsync((int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)));
        var skip = header[4] + BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
        var text = Encoding.ASCII.GetString(body, skip, body.Length - skip);
        return status switch
        {
            0 => new Reply(ReplyKind.Value, text),
            1 => new Reply(ReplyKind.Miss, ""),
            _ => new Reply(ReplyKind.Error, text),
        };
    }

    private async Task<Reply> ReadRespAsync()
    {
        var line = await ReadLineAsync();
        switch (line[0])
        {
            case '+':
                return new Reply(ReplyKind.Value, line[1..]);
            case '-':
                return new Reply(ReplyKind.Error, line.StartsWith("-ERR ", StringComparison.Ordinal) ? line[5..] : line[1..]);
            case '$':
                var length = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return new Reply(ReplyKind.Miss, "");
                }
                var data = await ReadBytesAsync(length + 2);
                return new Reply(ReplyKind.Value, Encoding.ASCII.GetString(data, 0, length));
            default:
                throw new InvalidDataException("unexpected RESP reply: " + line);
        }
    }

    private async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    private async Task<string> ReadLineAsync()
    {
        while (true)
        {
            var at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, at);
                _start += at + 2;
                return line;
            }
            await FillAsync();
        }
    }

    private async Task<byte[]> ReadBytesAsync(int count)
    {
        while (_end - _start < count)
        {
            await FillAsync();
        }
        var bytes = _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        return bytes;
    }

    private async Task FillAsync()
    {
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
        using var timeout = new CancellationTokenSource(ReadTimeout);
        int n;
        try
        {
            n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no reply within {ReadTimeout.TotalSeconds:F0} s");
        }
        if (n == 0)
        {
            throw new IOException("the proxy closed the connection");
        }
        _end += n;
    }

    public void Dispose() => _socket.Dispose();
}
