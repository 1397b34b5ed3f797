using System.Buffers;
using Sharpcracker.Configuration;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// Client authentication for pools with an auth_file, with memcached's own two mechanisms: text
/// clients send memcached's ASCII auth (<c>set &lt;any key&gt; &lt;flags&gt; &lt;exptime&gt; &lt;len&gt;</c>
/// carrying <c>user password</c>, as with memcached -Y) and get its exact replies; binary
/// clients use SASL PLAIN (as memcached -S: before authenticating only SASL opcodes and VERSION
/// are served). Credentials are checked against the pool's current configuration, so a reload
/// that removes a user refuses new logins; an authenticated connection stays authenticated.
/// Nothing before authentication reaches a server; passwords are never logged.
/// </summary>
internal sealed partial class McClientSession
{
    /// <summary>memcached closes an unauthenticated text connection with no newline in its first 2048 bytes.</summary>
    private const int AuthLineLimit = 2048;
    /// <summary>The proxy's bound on an ASCII auth data block (memcached has none; an unauthenticated client must not make the proxy buffer megabytes).</summary>
    private const int AuthDataLimit = 4096;

    private int _authDataLength = -1; // the ASCII auth set's data block length + 2, once its line was read

    private AuthFile? Credentials => _pool.Config.AuthFile;

    private bool SaslEnabled => Credentials is not null;

    /// <summary>
    /// Text connection not yet authenticated: answers ASCII auth attempts until one succeeds.
    /// Returns NeedMore with an empty buffer or once authenticated (the caller then goes on with
    /// ordinary requests), Stop when memcached would close.
    /// </summary>
    private Progress ProcessAsciiAuth(ref ReadOnlySequence<byte> buffer, AuthFile credentials)
    {
        while (!buffer.IsEmpty && !_authenticated)
        {
            if (QueueFull)
            {
                return Progress.Paused;
            }
            var data = buffer.FirstSpan;
            if (_authDataLength < 0)
            {
                var nl = data.IndexOf((byte)'\n');
                if (nl < 0)
                {
                    if (data.Length > AuthLineLimit)
                    {
                        EnqueueQuit();
                        return Progress.Stop;
                    }
                    return Progress.NeedMore;
                }
                if (!TryParseAuthLine(data[..nl], out var size) || size > AuthDataLimit)
                {
                    if (size > AuthDataLimit)
                    {
                        EnqueueQuit();
                        return Progress.Stop;
                    }
                    EnqueueLocal("CLIENT_ERROR unauthenticated\r\n"u8);
                }
                else
                {
                    _authDataLength = (int)size + 2;
                }
                buffer = buffer.Slice(nl + 1);
                continue;
            }
            if (data.Length < _authDataLength)
            {
                return Progress.NeedMore;
            }
            var block = data[.._authDataLength];
            buffer = buffer.Slice(_authDataLength);
            _authDataLength = -1;
            EnqueueLocal(AsciiAuthReply(block, credentials));
        }
        return Progress.NeedMore;
    }

    private ReadOnlySpan<byte> AsciiAuthReply(ReadOnlySpan<byte> block, AuthFile credentials)
    {
        if (!block.EndsWith("\r\n"u8))
        {
            return "CLIENT_ERROR bad command line termination\r\n"u8;
        }
        var payload = block[..^2];
        if (!NextToken(ref payload, out var user) || !NextToken(ref payload, out var password))
        {
            return "CLIENT_ERROR bad authentication token format\r\n"u8;
        }
        if (!credentials.Check(user, password))
        {
            return "CLIENT_ERROR authentication failure\r\n"u8;
        }
        _authenticated = true;
        return "STORED\r\n"u8;
    }

    /// <summary>memcached's check of the auth line: at least five tokens, "set" first, the fifth a number.</summary>
    private static bool TryParseAuthLine(ReadOnlySpan<byte> line, out ulong size)
    {
        size = 0;
        if (!NextToken(ref line, out var verb) || !verb.SequenceEqual("set"u8))
        {
            return false;
        }
        for (var i = 0; i < 3; i++)
        {
            if (!NextToken(ref line, out _))
            {
                return false;
            }
        }
        if (!NextToken(ref line, out var length))
        {
            return false;
        }
        length = length.TrimEnd((byte)'\r');
        if (length.IsEmpty || length.Length > 19)
        {
            return false;
        }
        foreach (var b in length)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
            size = size * 10 + (ulong)(b - '0');
        }
        return true;
    }

    /// <summary>memcached's tokenizer: tokens separated by spaces, empty ones skipped.</summary>
    private static bool NextToken(ref ReadOnlySpan<byte> text, out ReadOnlySpan<byte> token)
    {
        text = text.TrimStart((byte)' ');
        var end = text.IndexOf((byte)' ');
        token = end < 0 ? text : text[..end];
        text = end < 0 ? default : text[end..];
        return !token.IsEmpty;
    }

    /// <summary>
    /// SASL_AUTH / SASL_STEP with the pool's auth_file: PLAIN only (<c>[authzid] NUL user NUL
    /// password</c>), answered <c>Authenticated</c> or 0x20 "Auth failure." with the connection kept
    /// (memcached -S); PLAIN has no further step, so SASL_STEP fails.
    /// </summary>
    private void SaslAuthenticate(in McBinaryFrame frame, ReadOnlySpan<byte> mechanism, ReadOnlySpan<byte> message)
    {
        if (frame.Opcode == McBinary.SaslAuth && mechanism.SequenceEqual("PLAIN"u8) && Credentials is { } credentials)
        {
            var first = message.IndexOf((byte)0);
            var rest = first < 0 ? default : message[(first + 1)..];
            var second = rest.IndexOf((byte)0);
            if (first >= 0 && second >= 0 && credentials.Check(rest[..second], rest[(second + 1)..]))
            {
                _authenticated = true;
                var request = Rent(McRequestKind.Local);
                McBinary.WriteValue(request.Reply, frame.Opcode, frame.Opaque, default, "Authenticated"u8);
                EnqueueDone(request);
                return;
            }
        }
        EnqueueBinaryError(frame, McBinary.AuthError);
    }
}
