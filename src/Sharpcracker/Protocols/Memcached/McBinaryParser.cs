using System.Buffers.Binary;

namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// Decides what one binary request is, exactly as memcached 1.6.18's try_read_command_binary and
/// dispatch_bin_command do (../shared/reference/binary.md §2-3): nothing is judged before
/// 24 + extras + key bytes are buffered; then length sanity (0x81, close), authentication (0x20,
/// close), key length (0x04, close) and each opcode's request shape (0x04, close). Unknown
/// opcodes get 0x81 and keep the connection, with memcached's over-swallow of body-length bytes
/// after extras and key. Protocol code only: no sockets, no state.
/// </summary>
internal static class McBinaryParser
{
    /// <summary>memcached's MAX_SASL_MECH_LEN.</summary>
    public const int MaxMechanismLength = 32;

    /// <param name="data">Buffered client input starting at a packet.</param>
    /// <param name="sasl">The pool has an auth_file: SASL opcodes are served (memcached -S).</param>
    /// <param name="authenticated">This connection has authenticated (or the pool needs none).</param>
    /// <param name="valueLimit">request_size_limit: a larger store value is refused as too large.</param>
    public static McBinaryFrame Parse(ReadOnlySpan<byte> data, bool sasl, bool authenticated, long valueLimit)
    {
        if (data.Length < McBinary.HeaderLength)
        {
            return default;
        }
        if (data[0] != McBinary.RequestMagic)
        {
            return new McBinaryFrame { Action = McBinaryAction.Close };
        }
        var opcode = data[1];
        int keyLength = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        int extrasLength = data[4];
        var bodyLength = (long)BinaryPrimitives.ReadUInt32BigEndian(data[8..]);
        var opaque = McBinary.Opaque(data);
        var head = McBinary.HeaderLength + extrasLength + keyLength;
        if (data.Length < head)
        {
            return default;
        }
        var frame = new McBinaryFrame
        {
            Opcode = opcode,
            Opaque = opaque,
            Consumed = head,
            ExtrasLength = extrasLength,
            KeyLength = keyLength,
        };
        if (keyLength + extrasLength > bodyLength)
        {
            return frame with { Action = McBinaryAction.ErrorThenClose, Status = McBinary.UnknownCommand };
        }
        if (!authenticated && opcode is not (McBinary.SaslListMechs or McBinary.SaslAuth or McBinary.SaslStep or McBinary.Version))
        {
            return frame with { Action = McBinaryAction.ErrorThenClose, Status = McBinary.AuthError };
        }
        if (keyLength > McBinary.KeyMaxLength)
        {
            return Invalid(frame);
        }
        var valueLength = bodyLength - keyLength - extrasLength;
        switch (McBinary.Loud(opcode))
        {
            case McBinary.Version:
            case McBinary.Noop:
            case McBinary.Quit:
            case McBinary.SaslListMechs:
                if (bodyLength != 0)
                {
                    return Invalid(frame);
                }
                if (opcode == McBinary.SaslListMechs && !sasl)
                {
                    return frame with { Action = McBinaryAction.Error, Status = McBinary.UnknownCommand };
                }
                return frame with
                {
                    Action = McBinary.Loud(opcode) switch
                    {
                        McBinary.Version => McBinaryAction.Version,
                        McBinary.Noop => McBinaryAction.Noop,
                        McBinary.Quit => McBinaryAction.Quit,
                        _ => McBinaryAction.SaslListMechs,
                    },
                };
            case McBinary.Flush:
                return keyLength == 0 && bodyLength == extrasLength && extrasLength is 0 or 4
                    ? frame with { Action = McBinaryAction.Flush }
                    : Invalid(frame);
            case McBinary.Set:
            case McBinary.Add:
            case McBinary.Replace:
                return extrasLength == 8 && keyLength != 0 ? Store(data, frame, valueLength, valueLimit) : Invalid(frame);
            case McBinary.Append:
            case McBinary.Prepend:
                return extrasLength == 0 && keyLength != 0 ? Store(data, frame, valueLength, valueLimit) : Invalid(frame);
            case McBinary.Get:
            case McBinary.GetK:
            case McBinary.Delete:
                return extrasLength == 0 && keyLength != 0 && valueLength == 0 ? frame with { Action = McBinaryAction.Keyed } : Invalid(frame);
            case McBinary.Increment:
            case McBinary.Decrement:
                return extrasLength == 20 && keyLength != 0 && valueLength == 0 ? frame with { Action = McBinaryAction.Keyed } : Invalid(frame);
            case McBinary.Touch:
            case McBinary.Gat:
            case McBinary.GatK:
                // memcached reads extras and key only; any further body bytes are parsed as the next packet.
                return extrasLength == 4 && keyLength != 0 ? frame with { Action = McBinaryAction.Keyed } : Invalid(frame);
            case McBinary.Stat:
                return extrasLength == 0 ? frame with { Action = McBinaryAction.Stat } : Invalid(frame);
            case McBinary.SaslAuth:
            case McBinary.SaslStep:
                if (extrasLength != 0 || keyLength == 0)
                {
                    return Invalid(frame);
                }
                if (!sasl)
                {
                    return frame with { Action = McBinaryAction.Error, Status = McBinary.UnknownCommand, Swallow = valueLength };
                }
                if (keyLength > MaxMechanismLength)
                {
                    return frame with { Action = McBinaryAction.Error, Status = McBinary.InvalidArguments, Swallow = valueLength };
                }
                if (valueLength > 4096)
                {
                    // No SASL PLAIN message is this long; memcached would refuse it as out of memory.
                    return frame with { Action = McBinaryAction.Error, Status = McBinary.AuthError, Swallow = valueLength };
                }
                if (data.Length < head + valueLength)
                {
                    return default;
                }
                return frame with { Action = McBinaryAction.SaslAuth, Consumed = head + (int)valueLength, ValueLength = (int)valueLength };
            default:
                // memcached swallows body-length bytes after extras and key (binary.md §2, the over-read quirk).
                return frame with { Action = McBinaryAction.Error, Status = McBinary.UnknownCommand, Swallow = bodyLength };
        }
    }

    private static McBinaryFrame Invalid(in McBinaryFrame frame)
        => frame with { Action = McBinaryAction.ErrorThenClose, Status = McBinary.InvalidArguments };

    private static McBinaryFrame Store(ReadOnlySpan<byte> data, in McBinaryFrame frame, long valueLength, long valueLimit)
    {
        if (valueLength > valueLimit || frame.Consumed + valueLength > Array.MaxLength)
        {
            return frame with { Action = McBinaryAction.TooLarge, Status = McBinary.TooLarge, Swallow = valueLength };
        }
        var total = frame.Consumed + (int)valueLength;
        if (data.Length < total)
        {
            return default;
        }
        return frame with { Action = McBinaryAction.Keyed, Consumed = total, ValueLength = (int)valueLength };
    }
}
