using Sharpcracker.Common;
namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// Parses memcached's meta commands (mg, ms, md, ma, mn, me) as 1.6.18's proto_text.c does: the
/// same token limits, the same flag pre-parse (duplicates, unknown flags, number and base64 checks)
/// and the same error text for each failure. Every error memcached derives from the request line
/// alone is answered by the proxy; everything that depends on the item (and the opaque-length checks
/// memcached makes only after touching the item) is forwarded, so the backend answers it itself.
/// </summary>
internal static class McMetaParser
{
    /// <summary>memcached's MFLAG_MAX_OPT_LENGTH, compared with the token count (terminal token included).</summary>
    public const int MaxTokensWithFlags = 20;
    public const int MaxOpaqueLength = 32;

    /// <summary>A line whose command token is 'm' plus one byte. Tokens as <see cref="McRequestParser.Tokenize"/> made them.</summary>
    public static McCommand Parse(ReadOnlySpan<byte> line, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, int ntokens)
    {
        switch (line[starts[0] + 1])
        {
            case (byte)'g':
                return ParseGet(line, starts, lengths, ntokens);
            case (byte)'s':
                return ParseSet(line, starts, lengths, ntokens);
            case (byte)'d':
                return ParseDeleteOrArithmetic(line, starts, lengths, ntokens, McCommandKind.MetaDelete);
            case (byte)'a':
                return ParseDeleteOrArithmetic(line, starts, lengths, ntokens, McCommandKind.MetaArithmetic);
            case (byte)'n':
                // mn ignores any arguments.
                return McCommand.Local(McLocalReply.MetaNoop);
            case (byte)'e':
                return ParseDebug(line, starts, lengths, ntokens);
            default:
                return McCommand.Local(McLocalReply.Error);
        }
    }

    private static McCommand ParseGet(ReadOnlySpan<byte> line, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, int ntokens)
    {
        if (ntokens < 3)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        if (lengths[1] > McRequestParser.KeyMaxLength)
        {
            return McCommand.Local(McLocalReply.BadFormat);
        }
        if (ntokens > MaxTokensWithFlags)
        {
            return McCommand.Local(McLocalReply.MetaGetFlagsTooLong);
        }
        var error = Preparse(line, starts, lengths, ntokens, 2, out var flags);
        if (error != McLocalReply.None)
        {
            return McCommand.Local(error);
        }
        return Forward(McCommandKind.MetaGet, line, starts, lengths, flags, flags.QuietLength > 0 ? McMetaQuiet.HideMiss : McMetaQuiet.None, 0);
    }

    private static McCommand ParseSet(ReadOnlySpan<byte> line, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, int ntokens)
    {
        if (ntokens < 3)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        // These errors come before the data length is known: memcached does not swallow the data
        // block, it reads it as the next command line.
        if (lengths[1] > McRequestParser.KeyMaxLength || ntokens == 3)
        {
            return McCommand.Local(McLocalReply.BadFormat);
        }
        if (ntokens > MaxTokensWithFlags)
        {
            return McCommand.Local(McLocalReply.MetaFlagsTooLong);
        }
        if (!CNumber.SafeStrtol(line.Slice(starts[2], lengths[2]), out var vlen) || vlen < 0 || vlen > int.MaxValue - 2)
        {
            return McCommand.Local(McLocalReply.BadFormat);
        }
        var dataLength = vlen + 2;
        var error = Preparse(line, starts, lengths, ntokens, 3, out var flags);
        if (error != McLocalReply.None)
        {
            return LocalSwallowing(error, dataLength);
        }
        var mode = flags.Mode;
        if (mode is not (0 or (byte)'E' or (byte)'A' or (byte)'P' or (byte)'R' or (byte)'S'))
        {
            return LocalSwallowing(McLocalReply.MetaSetInvalidMode, dataLength);
        }
        if (HasLongOpaque(line, starts, lengths, ntokens))
        {
            return LocalSwallowing(McLocalReply.MetaOpaqueTooLong, dataLength);
        }
        return Forward(McCommandKind.MetaSet, line, starts, lengths, flags, flags.QuietLength > 0 ? McMetaQuiet.HideStored : McMetaQuiet.None, dataLength);
    }

    private static McCommand ParseDeleteOrArithmetic(ReadOnlySpan<byte> line, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, int ntokens, McCommandKind kind)
    {
        if (ntokens < 3)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        if (lengths[1] > McRequestParser.KeyMaxLength)
        {
            return McCommand.Local(McLocalReply.BadFormat);
        }
        if (ntokens > MaxTokensWithFlags)
        {
            return McCommand.Local(McLocalReply.MetaFlagsTooLong);
        }
        // md and ma report every pre-parse failure with one text.
        if (Preparse(line, starts, lengths, ntokens, 2, out var flags) != McLocalReply.None)
        {
            return McCommand.Local(McLocalReply.MetaInvalidOrDuplicateFlag);
        }
        var quiet = flags.QuietLength > 0;
        if (kind == McCommandKind.MetaDelete)
        {
            // md checks opaque length before it looks at the item; ma only afterwards (so ma's is the backend's to answer).
            if (HasLongOpaque(line, starts, lengths, ntokens))
            {
                return McCommand.Local(McLocalReply.MetaOpaqueTooLong);
            }
            return Forward(kind, line, starts, lengths, flags, quiet ? McMetaQuiet.HideStored : McMetaQuiet.None, 0);
        }
        if (flags.Mode is not (0 or (byte)'I' or (byte)'+' or (byte)'D' or (byte)'-'))
        {
            return McCommand.Local(McLocalReply.MetaArithmeticInvalidMode);
        }
        var mode = !quiet ? McMetaQuiet.None : flags.Vivify ? McMetaQuiet.Sentinel : McMetaQuiet.HideSuccess;
        if (mode == McMetaQuiet.Sentinel)
        {
            // The backend keeps the q and decides what to hide; nothing is cut.
            flags.QuietLength = 0;
        }
        return Forward(kind, line, starts, lengths, flags, mode, 0);
    }

    private static McCommand ParseDebug(ReadOnlySpan<byte> line, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, int ntokens)
    {
        if (ntokens < 3 || lengths[1] > McRequestParser.KeyMaxLength)
        {
            return McCommand.Local(McLocalReply.BadFormat);
        }
        // me knows one flag, b, and only as the token right after the key; q means nothing to it.
        var flags = default(Flags);
        if (ntokens >= 4 && lengths[2] == 1 && line[starts[2]] == (byte)'b')
        {
            if (McBase64.DecodedLength(line.Slice(starts[1], lengths[1])) == 0)
            {
                return McCommand.Local(McLocalReply.BadFormat);
            }
            flags.Base64 = true;
        }
        return Forward(McCommandKind.MetaDebug, line, starts, lengths, flags, McMetaQuiet.None, 0);
    }

    private static McCommand Forward(McCommandKind kind, ReadOnlySpan<byte> line, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, in Flags flags, McMetaQuiet quiet, int dataLength)
        => new()
        {
            Kind = kind,
            KeyStart = starts[1],
            KeyLength = lengths[1],
            ForwardLength = line.Length,
            DataLength = dataLength,
            Meta = new McMetaCommand
            {
                Quiet = quiet,
                Base64Key = flags.Base64,
                QuietStart = flags.QuietStart,
                QuietLength = quiet == McMetaQuiet.None ? 0 : flags.QuietLength,
            },
        };

    private static McCommand LocalSwallowing(McLocalReply reply, int dataLength)
    {
        var command = McCommand.Local(reply);
        command.Meta.SwallowLength = dataLength;
        return command;
    }

    private static bool HasLongOpaque(ReadOnlySpan<byte> line, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, int ntokens)
    {
        for (var i = 2; i < ntokens - 1; i++)
        {
            if (line[starts[i]] == (byte)'O' && lengths[i] > MaxOpaqueLength)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>What the flag pre-parse learned.</summary>
    private struct Flags
    {
        public bool Base64;
        public bool Vivify;
        public byte Mode;
        public int QuietStart;
        public int QuietLength;
    }

    /// <summary>
    /// memcached's _meta_flag_preparse from token <paramref name="first"/> on: a repeated flag (or a
    /// first byte of 127 or more) or an unknown flag fails at once; other failures are remembered and
    /// reported after the scan, with the text of the last one that set a text (a bad F sets none, so
    /// it reports the caller's default, "bad command line format").
    /// </summary>
    private static McLocalReply Preparse(ReadOnlySpan<byte> line, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, int ntokens, int first, out Flags flags)
    {
        flags = default;
        ulong seenLow = 0;
        ulong seenHigh = 0;
        var failed = false;
        var error = McLocalReply.BadFormat;
        for (var i = first; i < ntokens - 1; i++)
        {
            var token = line.Slice(starts[i], lengths[i]);
            var o = token[0];
            if (o >= 127)
            {
                return McLocalReply.MetaDuplicateFlag;
            }
            ref var seen = ref o < 64 ? ref seenLow : ref seenHigh;
            var bit = 1UL << (o & 63);
            if ((seen & bit) != 0)
            {
                return McLocalReply.MetaDuplicateFlag;
            }
            seen |= bit;
            var arg = token[1..];
            switch (o)
            {
                case (byte)'b':
                    if (McBase64.DecodedLength(line.Slice(starts[1], lengths[1])) == 0)
                    {
                        error = McLocalReply.MetaKeyDecode;
                        failed = true;
                    }
                    flags.Base64 = true;
                    break;
                case (byte)'N':
                    flags.Vivify = true;
                    if (!CNumber.SafeStrtol(arg, out _))
                    {
                        error = McLocalReply.MetaBadToken;
                        failed = true;
                    }
                    break;
                case (byte)'T':
                case (byte)'R':
                    if (!CNumber.SafeStrtol(arg, out _))
                    {
                        error = McLocalReply.MetaBadToken;
                        failed = true;
                    }
                    break;
                case (byte)'q':
                    flags.QuietStart = starts[i];
                    flags.QuietLength = lengths[i];
                    break;
                case (byte)'F':
                    failed |= !CNumber.SafeStrtoul(arg, out _);
                    break;
                case (byte)'C':
                    if (!CNumber.SafeStrtoull(arg, out _))
                    {
                        error = McLocalReply.MetaBadToken;
                        failed = true;
                    }
                    break;
                case (byte)'M':
                    if (token.Length != 2)
                    {
                        error = McLocalReply.MetaModeLength;
                        failed = true;
                    }
                    else
                    {
                        flags.Mode = token[1];
                    }
                    break;
                case (byte)'J':
                    if (!CNumber.SafeStrtoull(arg, out _))
                    {
                        error = McLocalReply.MetaInvalidInitial;
                        failed = true;
                    }
                    break;
                case (byte)'D':
                    if (!CNumber.SafeStrtoull(arg, out _))
                    {
                        error = McLocalReply.MetaInvalidDelta;
                        failed = true;
                    }
                    break;
                case (byte)'l' or (byte)'O' or (byte)'P' or (byte)'L' or (byte)'k' or (byte)'s' or (byte)'t'
                    or (byte)'c' or (byte)'f' or (byte)'v' or (byte)'h' or (byte)'u' or (byte)'I':
                    break;
                default:
                    return McLocalReply.MetaInvalidFlag;
            }
        }
        return failed ? error : McLocalReply.None;
    }

    /// <summary>
    /// Writes the request as the backend must see it: the line without a cut q token (and the
    /// space before it), the line end, the data block for ms, and <c>mn</c> after a sentinel ma.
    /// </summary>
    public static void WriteForward(ByteBuffer output, ReadOnlySpan<byte> line, in McCommand command, in System.Buffers.ReadOnlySequence<byte> data)
    {
        var meta = command.Meta;
        if (meta.QuietLength > 0)
        {
            // The q token is a flag, so a space always precedes it.
            output.Write(line[..(meta.QuietStart - 1)]);
            output.Write(line[(meta.QuietStart + meta.QuietLength)..]);
        }
        else
        {
            output.Write(line);
        }
        output.Write(McReplies.Crlf);
        if (!data.IsEmpty)
        {
            output.Write(data);
        }
        if (meta.Quiet == McMetaQuiet.Sentinel)
        {
            output.Write(McMetaReplies.NoopRequest);
        }
    }
}
