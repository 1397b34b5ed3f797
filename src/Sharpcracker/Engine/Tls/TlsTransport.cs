using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;

namespace Sharpcracker.Engine.Tls;

/// <summary>
/// TLS between one non-blocking socket and the protocol code, run entirely on the owning
/// worker's loop thread: <see cref="SslStream"/> over a <see cref="MemoryBioStream"/>. The loop
/// receives ciphertext once per readiness event and feeds it in; the handshake and reads advance
/// inline and their results are polled (never awaited, so nothing is scheduled elsewhere); what
/// TLS writes is sent by the loop. Plaintext comes out of <see cref="Receive"/>, with the same
/// contract as <see cref="Socket.Receive(Span{byte}, SocketFlags, out SocketError)"/>;
/// <see cref="Send"/> encrypts a whole batch of replies or requests into one write.
/// <para>Invariant: one socket receive per <see cref="Receive"/> call at most; plaintext already
/// decrypted (<see cref="HasBufferedPlaintext"/>) is handed out before the socket is read again,
/// and the owner must drain it (no readiness event will announce it).</para>
/// </summary>
internal sealed class TlsTransport : IDisposable
{
    private const int PlainBytes = 16 * 1024;
    private const int CipherReceiveBytes = 16 * 1024;
    private const byte HandshakeRecord = 0x16;

    private readonly Socket _socket;
    private readonly MemoryBioStream _bio = new();
    private readonly SslStream _ssl;
    private readonly bool _server;
    private Task? _handshake;
    private ValueTask<int> _read;
    private bool _reading;
    private bool _zeroByteRead;     // the pending read waits for data without a buffer
    private byte[]? _plain;
    private int _plainStart;
    private int _plainEnd;
    private int _outSent;
    private bool _eof;
    private bool _receivedAny;
    private bool _disposed;

    public TlsTransport(Socket socket, bool server)
    {
        _socket = socket;
        _server = server;
        _ssl = new SslStream(_bio, leaveInnerStreamOpen: true);
    }

    /// <summary>The handshake completed; application data flows.</summary>
    public bool IsAuthenticated { get; private set; }

    /// <summary>Still handshaking (neither finished nor failed).</summary>
    public bool IsHandshaking => _handshake is not null && Failure is null;

    /// <summary>Why the connection failed at the TLS level; null while it has not.</summary>
    public string? Failure { get; private set; }

    /// <summary>The handshake failed because the peer closed before sending anything (a port probe, not a TLS error).</summary>
    public bool ClosedBeforeHello { get; private set; }

    /// <summary>The negotiated protocol, for logs (after the handshake).</summary>
    public SslProtocols Protocol => IsAuthenticated ? _ssl.SslProtocol : SslProtocols.None;

    /// <summary>Decrypted bytes waiting to be taken: the owner must call <see cref="Receive"/> again.</summary>
    private bool HasBufferedPlaintext => _plainEnd > _plainStart;

    /// <summary>
    /// <see cref="Receive"/> has something to report without reading the socket: decrypted bytes,
    /// the peer's close (a close_notify that came with the last data) or a failure. No readiness
    /// event will announce it, so the owner calls <see cref="Receive"/> until this is false or it
    /// stops reading.
    /// </summary>
    public bool HasInputToReport => HasBufferedPlaintext || _eof || Failure is not null;

    /// <summary>Ciphertext the socket has not taken yet: the owner must wait for writability and <see cref="Send"/> again.</summary>
    public bool HasPendingOutput => _bio.Output.Length > _outSent;

    /// <summary>Starts the server side of the handshake (the client speaks first).</summary>
    public void BeginServer(SslServerAuthenticationOptions options)
    {
        _handshake = _ssl.AuthenticateAsServerAsync(options, CancellationToken.None);
        Advance();
    }

    /// <summary>Starts the client side: the ClientHello is written at once and goes out with the next <see cref="FlushOutput"/>.</summary>
    public void BeginClient(SslClientAuthenticationOptions options)
    {
        _handshake = _ssl.AuthenticateAsClientAsync(options, CancellationToken.None);
        Advance();
    }

    /// <summary>
    /// One socket receive, fed to TLS; advances the handshake and the pending read, then sends
    /// what TLS wrote (handshake messages, alerts). Socket errors come back in <paramref name="error"/>.
    /// </summary>
    public TlsProgress Pump(out SocketError error)
    {
        var wasHandshaking = IsHandshaking;
        var span = _bio.GetReceiveSpan(CipherReceiveBytes);
        var n = _socket.Receive(span, SocketFlags.None, out error);
        if (error == SocketError.WouldBlock)
        {
            return TlsProgress.Waiting;
        }
        if (error != SocketError.Success)
        {
            return TlsProgress.Failed;
        }
        if (n == 0)
        {
            if (!_receivedAny && _server)
            {
                ClosedBeforeHello = true;
            }
            _bio.FeedEnd();
        }
        else
        {
            if (!_receivedAny && _server && span[0] != HandshakeRecord)
            {
                // A plaintext client on a TLS port: say so instead of "corrupted frame".
                Failure = "not a TLS handshake (plaintext client on a TLS port?)";
                _receivedAny = true;
                return TlsProgress.Failed;
            }
            _receivedAny = true;
            _bio.Received(n);
        }
        Advance();
        if (Failure is null && !FlushOutput(out error))
        {
            return TlsProgress.Failed;
        }
        if (Failure is not null)
        {
            return TlsProgress.Failed;
        }
        return wasHandshaking && IsAuthenticated ? TlsProgress.Ready : TlsProgress.Waiting;
    }

    /// <summary>
    /// Plaintext into <paramref name="destination"/>: what is already decrypted, else one socket
    /// receive's worth. Socket contract: n &gt; 0 data; 0 with Success: the peer closed; WouldBlock:
    /// nothing yet (also during the handshake); any other error: failed (TLS failures report
    /// ConnectionAborted with <see cref="Failure"/> set).
    /// </summary>
    public int Receive(Span<byte> destination, out SocketError error)
    {
        if (TryTake(destination, out var n, out error))
        {
            return n;
        }
        if (Pump(out error) == TlsProgress.Failed)
        {
            if (error == SocketError.Success)
            {
                error = SocketError.ConnectionAborted;
            }
            return 0;
        }
        if (error != SocketError.Success && error != SocketError.WouldBlock)
        {
            return 0;
        }
        if (TryTake(destination, out n, out error))
        {
            return n;
        }
        error = SocketError.WouldBlock;
        return 0;
    }

    private bool TryTake(Span<byte> destination, out int n, out SocketError error)
    {
        error = SocketError.Success;
        n = 0;
        if (HasBufferedPlaintext)
        {
            n = Math.Min(destination.Length, _plainEnd - _plainStart);
            _plain.AsSpan(_plainStart, n).CopyTo(destination);
            _plainStart += n;
            if (_plainStart == _plainEnd)
            {
                _plainStart = _plainEnd = 0;
                Advance(); // the next read: it may complete at once from SslStream's buffer
            }
            return true;
        }
        if (Failure is not null)
        {
            error = SocketError.ConnectionAborted;
            return true;
        }
        return _eof; // the peer closed (close_notify or end of stream): 0 with Success
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> (all of it, unless ciphertext from an earlier call is
    /// still waiting for the socket: then nothing) and sends the ciphertext. Returns the plaintext
    /// bytes taken; <see cref="HasPendingOutput"/> says whether the socket took all the ciphertext.
    /// </summary>
    public int Send(ReadOnlyMemory<byte> plaintext, out SocketError error)
    {
        if (HasPendingOutput && (!FlushOutput(out error) || HasPendingOutput))
        {
            return 0;
        }
        if (!plaintext.IsEmpty)
        {
            if (MemoryMarshal.TryGetArray(plaintext, out var segment))
            {
                _ssl.Write(segment.Array!, segment.Offset, segment.Count);
            }
            else
            {
                _ssl.Write(plaintext.Span);
            }
        }
        FlushOutput(out error);
        return error is SocketError.Success or SocketError.WouldBlock ? plaintext.Length : 0;
    }

    /// <summary>Sends buffered ciphertext; false on a socket error (WouldBlock is not one).</summary>
    public bool FlushOutput(out SocketError error)
    {
        error = SocketError.Success;
        var output = _bio.Output;
        if (output.Length == _outSent)
        {
            return true;
        }
        var sent = _socket.Send(output.Span[_outSent..], SocketFlags.None, out error);
        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            return false;
        }
        error = SocketError.Success;
        _outSent += Math.Max(0, sent);
        if (_outSent == output.Length)
        {
            output.ClearKeepingSmall(CipherReceiveBytes + 1024);
            _outSent = 0;
        }
        else if (_outSent >= 64 * 1024)
        {
            output.DiscardFront(_outSent);
            _outSent = 0;
        }
        return true;
    }

    /// <summary>Moves the handshake and the read loop forward as far as the fed ciphertext allows.</summary>
    private void Advance()
    {
        if (_handshake is { } handshake)
        {
            if (!handshake.IsCompleted)
            {
                return;
            }
            _handshake = null;
            if (!handshake.IsCompletedSuccessfully)
            {
                Failure = Describe(handshake.Exception?.InnerException);
                return;
            }
            IsAuthenticated = true;
        }
        var dataReady = false;
        while (IsAuthenticated && Failure is null && !_eof && !HasBufferedPlaintext)
        {
            if (!_reading)
            {
                // First a zero-byte read: it completes at once when SslStream holds data, else it
                // waits without a buffer, so an idle connection gives its plaintext buffer back.
                _zeroByteRead = !dataReady;
                if (!_zeroByteRead)
                {
                    _plain ??= ArrayPool<byte>.Shared.Rent(PlainBytes);
                }
                _read = _ssl.ReadAsync(_zeroByteRead ? Memory<byte>.Empty : _plain.AsMemory(0, PlainBytes));
                _reading = true;
                if (_zeroByteRead && !_read.IsCompleted && _plain is { } idle)
                {
                    ArrayPool<byte>.Shared.Return(idle);
                    _plain = null;
                }
            }
            if (!_read.IsCompleted)
            {
                return; // waits for more ciphertext; completes inside a later feed
            }
            _reading = false;
            try
            {
                var n = _read.Result;
                if (_zeroByteRead)
                {
                    dataReady = true; // data (or the end) is there: the real read follows
                    continue;
                }
                dataReady = false;
                if (n == 0)
                {
                    _eof = true;
                }
                _plainStart = 0;
                _plainEnd = n;
            }
            catch (Exception e) when (e is IOException or AuthenticationException or InvalidOperationException)
            {
                Failure = Describe(e);
            }
        }
    }

    private string Describe(Exception? e)
    {
        if (e is null)
        {
            return "TLS handshake failed";
        }
        if (ClosedBeforeHello || (_eof && !_receivedAny))
        {
            return "closed before the handshake";
        }
        var message = e.InnerException is { Message: { Length: > 0 } inner } && inner != e.Message ? $"{e.Message} ({inner})" : e.Message;
        return message.Replace('\n', ' ').TrimEnd();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        // Let a pending handshake or read finish (with end of stream) so nothing is left waiting, then observe it.
        _bio.FeedEnd();
        _ = _handshake?.Exception;
        if (_reading && _read.IsCompleted)
        {
            _reading = false;
            try
            {
                _ = _read.Result;
            }
            catch (Exception e) when (e is IOException or AuthenticationException or InvalidOperationException or ObjectDisposedException)
            {
            }
        }
        _ssl.Dispose();
        _bio.Dispose();
        if (_plain is { } plain && (!_reading || _zeroByteRead))
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
        _plain = null;
    }
}
