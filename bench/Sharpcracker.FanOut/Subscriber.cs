using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.FanOut;

/// <summary>
/// One subscriber connection (RESP2): SUBSCRIBE, then every message's payload, which starts with
/// the publisher's Stopwatch timestamp, becomes a latency sample. Messages of other kinds (the
/// confirmation) are counted apart; anything unexpected stops the run.
/// </summary>
internal sealed class Subscriber(int index, LatencyBuckets latencies)
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    public int Index { get; } = index;
    public long Messages;
    public bool Subscribed;
    public string? Error;

    public async Task ConnectAndSubscribeAsync(int port, string channel)
    {
        await _socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        var command = $"*2\r\n$9\r\nSUBSCRIBE\r\n${Encoding.UTF8.GetByteCount(channel)}\r\n{channel}\r\n";
        await _socket.SendAsync(Encoding.UTF8.GetBytes(command));
    }

    /// <summary>Reads until the socket closes or <paramref name="token"/> is cancelled.</summary>
    public async Task ReadLoopAsync(CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (_end == _buffer.Length)
                {
                    if (_start > 0)
                    {
                        Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                        _end -= _start;
                        _start = 0;
                    }
                    else
                    {
                        Array.Resize(ref _buffer, _buffer.Length * 2);
                    }
                }
                var n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), token);
                if (n == 0)
                {
                    Error ??= "connection closed";
                    return;
                }
                _end += n;
                Parse();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException e)
        {
            Error ??= e.Message;
        }
    }

    private void Parse()
    {
        while (true)
        {
            var data = _buffer.AsSpan(_start, _end - _start);
            if (!TryFrame(data, out var length, out var kind, out var payload))
            {
                return;
            }
            if (kind == "message")
            {
                Utf8Parser.TryParse(payload, out long sentAt, out _);
                latencies.Record(Stopwatch.GetTimestamp() - sentAt);
                Messages++;
            }
            else if (kind == "subscribe")
            {
                Subscribed = true;
            }
            else
            {
                Error ??= "unexpected reply: " + Encoding.Latin1.GetString(data[..Math.Min(80, data.Length)]);
            }
            _start += length;
        }
    }

    /// <summary>A "*3" push of bulk strings (or an integer third element): its kind and last element.</summary>
    private static bool TryFrame(ReadOnlySpan<byte> data, out int length, out string kind, out ReadOnlySpan<byte> last)
    {
        length = 0;
        kind = "";
        last = default;
        var line = data.IndexOf("\r\n"u8);
        if (line < 0)
        {
            return false;
        }
        if (data[0] != '*' && data[0] != '>')
        {
            kind = "?";
            length = line + 2;
            return true;
        }
        Utf8Parser.TryParse(data[1..line], out int count, out _);
        var at = line + 2;
        for (var e = 0; e < count; e++)
        {
            var rest = data[at..];
            var end = rest.IndexOf("\r\n"u8);
            if (end < 0)
            {
                return false;
            }
            if (rest[0] == ':')
            {
                last = rest[1..end];
                at += end + 2;
                continue;
            }
            Utf8Parser.TryParse(rest[1..end], out int size, out _);
            if (rest.Length < end + 2 + size + 2)
            {
                return false;
            }
            var value = rest.Slice(end + 2, size);
            if (e == 0)
            {
                kind = Encoding.ASCII.GetString(value);
            }
            last = value;
            at += end + 2 + size + 2;
        }
        length = at;
        return true;
    }

    public void Close() => _socket.Dispose();
}
