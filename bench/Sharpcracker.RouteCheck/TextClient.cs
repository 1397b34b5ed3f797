using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.RouteCheck;

/// <summary>
/// One blocking memcached text-protocol connection, one request at a time, every read bounded by
/// a receive timeout. After a <see cref="ReplyKind.Broken"/> answer the client reconnects on the
/// next request (what is still in flight on the old connection cannot be matched any more).
/// Values are ASCII decimal numbers (a key's version).
/// </summary>
internal sealed class TextClient : IDisposable
{
    private readonly int _port;
    private readonly int _timeoutMs;
    private readonly byte[] _input = new byte[16384];
    private readonly byte[] _output = new byte[8192];
    private Socket? _socket;
    private int _start;
    private int _end;

    public TextClient(int port, int timeoutMs)
    {
        _port = port;
        _timeoutMs = timeoutMs;
    }

    /// <summary>The last error line or broken-connection reason, for samples in the report.</summary>
    public string LastError { get; private set; } = "";

    /// <summary><c>set key 0 ttl n</c> with the decimal <paramref name="value"/>, padded with spaces to <paramref name="size"/> bytes.</summary>
    public ReplyKind Set(string key, long value, int ttl, int size = 0)
    {
        var digits = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var length = Math.Max(digits.Length, size);
        var header = $"set {key} 0 {ttl} {length}\r\n{digits}";
        var n = Encoding.ASCII.GetBytes(header, _output);
        for (var i = digits.Length; i < length; i++)
        {
            _output[n++] = (byte)' ';
        }
        _output[n++] = (byte)'\r';
        _output[n++] = (byte)'\n';
        if (!Send(n))
        {
            return ReplyKind.Broken;
        }
        var line = ReadLine();
        return line switch
        {
            null => ReplyKind.Broken,
            "STORED" => ReplyKind.Stored,
            _ => Error(line),
        };
    }

    /// <summary><c>get key</c>; on a hit, <paramref name="value"/> is the stored number (-1 when it is not one).</summary>
    public ReplyKind Get(string key, out long value)
    {
        value = -1;
        var n = Encoding.ASCII.GetBytes($"get {key}\r\n", _output);
        if (!Send(n))
        {
            return ReplyKind.Broken;
        }
        var line = ReadLine();
        if (line is null)
        {
            return ReplyKind.Broken;
        }
        if (line == "END")
        {
            return ReplyKind.Miss;
        }
        if (!line.StartsWith("VALUE ", StringComparison.Ordinal))
        {
            return Error(line);
        }
        var fields = line.Split(' ');
        if (fields.Length < 4 || !int.TryParse(fields[3], out var bytes) || !ReadBlock(bytes + 2, out var data))
        {
            return Fail("bad VALUE line: " + line);
        }
        if (!Utf8Parser.TryParse(data.AsSpan(0, bytes).TrimEnd((byte)' '), out long parsed, out _))
        {
            parsed = -1;
        }
        value = parsed;
        return ReadLine() == "END" ? ReplyKind.Hit : Fail("no END after VALUE");
    }

    /// <summary>One <c>get k1 k2 …</c>: adds each key the server holds, with its number (-1 when not one), to <paramref name="into"/>; false when the connection broke.</summary>
    public bool GetMany(IEnumerable<string> keys, Dictionary<string, long> into)
    {
        var n = Encoding.ASCII.GetBytes("get " + string.Join(' ', keys) + "\r\n", _output);
        if (!Send(n))
        {
            return false;
        }
        while (true)
        {
            var line = ReadLine();
            if (line is null)
            {
                return false;
            }
            if (line == "END")
            {
                return true;
            }
            var fields = line.Split(' ');
            if (fields.Length < 4 || fields[0] != "VALUE" || !int.TryParse(fields[3], out var bytes) || !ReadBlock(bytes + 2, out var data))
            {
                Fail("bad reply to a multi-get: " + line);
                return false;
            }
            into[fields[1]] = Utf8Parser.TryParse(data.AsSpan(0, bytes).TrimEnd((byte)' '), out long value, out _) ? value : -1;
        }
    }

    /// <summary>
    /// <c>mg key t</c>: the item's remaining TTL in seconds, -1 when it never expires, -2 when the
    /// server does not hold it, null when the reply is not one of those.
    /// </summary>
    public long? RemainingTtl(string key)
    {
        var n = Encoding.ASCII.GetBytes($"mg {key} t\r\n", _output);
        if (!Send(n))
        {
            return null;
        }
        var line = ReadLine();
        if (line == "EN")
        {
            return -2;
        }
        if (line is not null && line.StartsWith("HD ", StringComparison.Ordinal))
        {
            var flag = line.Split(' ').FirstOrDefault(f => f.StartsWith('t'));
            if (flag is not null && long.TryParse(flag.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture, out var ttl))
            {
                return ttl;
            }
        }
        LastError = line ?? LastError;
        return null;
    }

    /// <summary><c>flush_all</c>; true on OK.</summary>
    public bool FlushAll()
    {
        var n = Encoding.ASCII.GetBytes("flush_all\r\n", _output);
        return Send(n) && ReadLine() == "OK";
    }

    private ReplyKind Error(string line)
    {
        LastError = line;
        return ReplyKind.ErrorReply;
    }

    private bool Send(int count)
    {
        try
        {
            if (_socket is null)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = _timeoutMs, SendTimeout = _timeoutMs };
                try
                {
                    socket.Connect("127.0.0.1", _port);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                _socket = socket;
                _start = _end = 0;
            }
            var sent = 0;
            while (sent < count)
            {
                sent += _socket.Send(_output.AsSpan(sent, count - sent));
            }
            return true;
        }
        catch (SocketException e)
        {
            Fail(e.SocketErrorCode.ToString());
            return false;
        }
    }

    private string? ReadLine()
    {
        while (true)
        {
            var at = _input.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var line = Encoding.ASCII.GetString(_input, _start, at);
                _start += at + 2;
                return line;
            }
            if (!Fill())
            {
                return null;
            }
        }
    }

    private bool ReadBlock(int count, out byte[] data)
    {
        data = [];
        while (_end - _start < count)
        {
            if (!Fill())
            {
                return false;
            }
        }
        data = _input.AsSpan(_start, count).ToArray();
        _start += count;
        return true;
    }

    private bool Fill()
    {
        if (_socket is null)
        {
            return false;
        }
        if (_start > 0)
        {
            Buffer.BlockCopy(_input, _start, _input, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _input.Length)
        {
            Fail("reply larger than the buffer");
            return false;
        }
        try
        {
            var r = _socket.Receive(_input.AsSpan(_end));
            if (r == 0)
            {
                Fail("closed by the peer");
                return false;
            }
            _end += r;
            return true;
        }
        catch (SocketException e)
        {
            Fail(e.SocketErrorCode == SocketError.TimedOut ? $"no reply in {_timeoutMs} ms" : e.SocketErrorCode.ToString());
            return false;
        }
    }

    private ReplyKind Fail(string why)
    {
        LastError = why;
        _socket?.Dispose();
        _socket = null;
        return ReplyKind.Broken;
    }

    public void Dispose() => _socket?.Dispose();
}
