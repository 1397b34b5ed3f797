namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// Parses one memcached text-protocol request line the way memcached 1.6.18's
/// process_command_ascii does: space-only tokenizer capped at 24 tokens, the same token-count
/// checks, the same number rules and the same error replies, so that what reaches a backend is
/// always a request the backend answers with exactly one reply.
/// </summary>
internal static class McRequestParser
{
    public const int MaxTokens = 24;
    public const int KeyMaxLength = 250;
    /// <summary>memcached closes a connection whose line has no \n within this many bytes (except get/gets).</summary>
    public const int MaxLineWithoutNewline = 2048;

    /// <summary>
    /// Parses <paramref name="line"/>: the bytes before '\n', with a trailing '\r' removed when the
    /// line is longer than one byte (memcached's rule), and cut at the first NUL.
    /// </summary>
    public static McCommand Parse(ReadOnlySpan<byte> line)
    {
        Span<int> starts = stackalloc int[MaxTokens];
        Span<int> lengths = stackalloc int[MaxTokens];
        var ntokens = Tokenize(line, starts, lengths);
        // ntokens counts memcached's terminal token, so a line with one word has ntokens == 2.
        if (ntokens < 2 || lengths[0] < 2)
        {
            return McCommand.Local(McLocalReply.Error);
        }

        var cmd = line.Slice(starts[0], lengths[0]);
        var first = cmd[0];
        if (first == (byte)'m' && cmd.Length == 2)
        {
            return McMetaParser.Parse(line, starts, lengths, ntokens);
        }

        switch (first)
        {
            case (byte)'g':
                if (ntokens < 3)
                {
                    return McCommand.Local(McLocalReply.Error);
                }
                if (cmd.SequenceEqual("get"u8)) return ParseRetrieval(line, starts, lengths, ntokens, McCommandKind.Get);
                if (cmd.SequenceEqual("gets"u8)) return ParseRetrieval(line, starts, lengths, ntokens, McCommandKind.Gets);
                if (cmd.SequenceEqual("gat"u8)) return ParseRetrieval(line, starts, lengths, ntokens, McCommandKind.Gat);
                if (cmd.SequenceEqual("gats"u8)) return ParseRetrieval(line, starts, lengths, ntokens, McCommandKind.Gats);
                return McCommand.Local(McLocalReply.Error);
            case (byte)'s':
                if (cmd.SequenceEqual("set"u8)) return ParseUpdate(line, starts, lengths, ntokens, McCommandKind.Set);
                if (cmd.SequenceEqual("stats"u8))
                {
                    return ntokens == 2 ? new McCommand { Kind = McCommandKind.Stats } : McAdminParser.ParseStats(line, starts, lengths, ntokens);
                }
                if (cmd.SequenceEqual("shutdown"u8)) return McCommand.Local(McLocalReply.ShutdownNotEnabled);
                if (cmd.SequenceEqual("slabs"u8)) return McAdminParser.ParseSlabs(line, starts, lengths, ntokens);
                return McCommand.Local(McLocalReply.Error);
            case (byte)'a':
                if (cmd.SequenceEqual("add"u8)) return ParseUpdate(line, starts, lengths, ntokens, McCommandKind.Add);
                if (cmd.SequenceEqual("append"u8)) return ParseUpdate(line, starts, lengths, ntokens, McCommandKind.Append);
                return McCommand.Local(McLocalReply.Error);
            case (byte)'c':
                if (cmd.SequenceEqual("cas"u8)) return ParseUpdate(line, starts, lengths, ntokens, McCommandKind.Cas);
                if (cmd.SequenceEqual("cache_memlimit"u8)) return McAdminParser.ParseMemlimit(line, starts, lengths, ntokens);
                return McCommand.Local(McLocalReply.Error);
            case (byte)'i':
                if (cmd.SequenceEqual("incr"u8)) return ParseArithmetic(line, starts, lengths, ntokens, McCommandKind.Incr);
                return McCommand.Local(McLocalReply.Error);
            case (byte)'d':
                if (cmd.SequenceEqual("delete"u8)) return ParseDelete(line, starts, lengths, ntokens);
                if (cmd.SequenceEqual("decr"u8)) return ParseArithmetic(line, starts, lengths, ntokens, McCommandKind.Decr);
                return McCommand.Local(McLocalReply.Error);
            case (byte)'t':
                if (cmd.SequenceEqual("touch"u8)) return ParseTouch(line, starts, lengths, ntokens);
                return McCommand.Local(McLocalReply.Error);
        }

        if (cmd.SequenceEqual("replace"u8)) return ParseUpdate(line, starts, lengths, ntokens, McCommandKind.Replace);
        if (cmd.SequenceEqual("prepend"u8)) return ParseUpdate(line, starts, lengths, ntokens, McCommandKind.Prepend);
        if (cmd.SequenceEqual("bget"u8))
        {
            return ntokens < 3 ? McCommand.Local(McLocalReply.Error) : ParseRetrieval(line, starts, lengths, ntokens, McCommandKind.Get);
        }
        if (cmd.SequenceEqual("flush_all"u8)) return ParseFlushAll(line, starts, lengths, ntokens);
        if (cmd.SequenceEqual("version"u8)) return new McCommand { Kind = McCommandKind.Version };
        if (cmd.SequenceEqual("quit"u8)) return new McCommand { Kind = McCommandKind.Quit };
        if (cmd.SequenceEqual("verbosity"u8)) return ParseVerbosity(line, starts, lengths, ntokens);
        if (McAdminParser.TryParseOther(cmd, line, starts, lengths, ntokens) is { } admin)
        {
            return admin;
        }

        var last = line.Slice(starts[ntokens - 2], lengths[ntokens - 2]);
        if (last.StartsWith("HTTP/"u8))
        {
            return new McCommand { Kind = McCommandKind.Close };
        }
        return McCommand.Local(McLocalReply.Error);
    }

    /// <summary>memcached's tokenize_command: splits on ' ' only, at most 23 tokens, returns count + 1.</summary>
    internal static int Tokenize(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths)
    {
        var n = 0;
        var s = 0;
        for (var e = 0; e < line.Length; e++)
        {
            if (line[e] == (byte)' ')
            {
                if (s != e)
                {
                    starts[n] = s;
                    lengths[n] = e - s;
                    n++;
                    if (n == MaxTokens - 1)
                    {
                        return n + 1;
                    }
                }
                s = e + 1;
            }
        }
        if (s != line.Length)
        {
            starts[n] = s;
            lengths[n] = line.Length - s;
            n++;
        }
        return n + 1;
    }

    private static bool IsNoreply(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
        => line.Slice(starts[ntokens - 2], lengths[ntokens - 2]).SequenceEqual("noreply"u8);

    // Forward everything up to the end of the last token, or of the token before a trailing noreply.
    private static int ForwardLength(Span<int> starts, Span<int> lengths, int ntokens, bool noreply)
    {
        var lastKept = noreply ? ntokens - 3 : ntokens - 2;
        return starts[lastKept] + lengths[lastKept];
    }

    private static McCommand Fail(McLocalReply reply, bool noreply)
        => noreply ? new McCommand { Kind = McCommandKind.Silent } : McCommand.Local(reply);

    private static McCommand ParseUpdate(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens, McCommandKind kind)
    {
        var isCas = kind == McCommandKind.Cas;
        if (isCas ? ntokens != 7 && ntokens != 8 : ntokens != 6 && ntokens != 7)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        var noreply = IsNoreply(line, starts, lengths, ntokens);
        if (lengths[1] > KeyMaxLength)
        {
            return Fail(McLocalReply.BadFormat, noreply);
        }
        if (!CNumber.SafeStrtoul(line.Slice(starts[2], lengths[2]), out _)
            || !CNumber.SafeStrtol(line.Slice(starts[3], lengths[3]), out _)
            || !CNumber.SafeStrtol(line.Slice(starts[4], lengths[4]), out var vlen))
        {
            return Fail(McLocalReply.BadFormat, noreply);
        }
        if (isCas && !CNumber.SafeStrtoull(line.Slice(starts[5], lengths[5]), out _))
        {
            return Fail(McLocalReply.BadFormat, noreply);
        }
        if (vlen < 0 || vlen > int.MaxValue - 2)
        {
            return Fail(McLocalReply.BadFormat, noreply);
        }
        return new McCommand
        {
            Kind = kind,
            Noreply = noreply,
            KeyStart = starts[1],
            KeyLength = lengths[1],
            ForwardLength = ForwardLength(starts, lengths, ntokens, noreply),
            DataLength = vlen + 2,
        };
    }

    private static McCommand ParseRetrieval(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens, McCommandKind kind)
    {
        var keyToken = 1;
        if (kind is McCommandKind.Gat or McCommandKind.Gats)
        {
            if (!CNumber.SafeStrtol(line.Slice(starts[1], lengths[1]), out _))
            {
                return McCommand.Local(McLocalReply.InvalidExptime);
            }
            keyToken = 2;
        }
        // Keys may run far past the token cap; check every one of them for length.
        var keysStart = line.Length;
        var count = 0;
        if (keyToken <= ntokens - 2)
        {
            keysStart = starts[keyToken];
            var rest = line[keysStart..];
            while (!rest.IsEmpty)
            {
                var sp = rest.IndexOf((byte)' ');
                var len = sp < 0 ? rest.Length : sp;
                if (len > KeyMaxLength)
                {
                    return McCommand.Local(McLocalReply.BadFormat);
                }
                if (len > 0)
                {
                    count++;
                }
                rest = sp < 0 ? default : rest[(sp + 1)..];
            }
        }
        if (count == 0)
        {
            // "gat 10" with no key: memcached answers an empty result.
            return McCommand.Local(McLocalReply.End);
        }
        return new McCommand { Kind = kind, KeysStart = keysStart, ForwardLength = line.Length };
    }

    private static McCommand ParseDelete(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        if (ntokens < 3 || ntokens > 5)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        var noreply = false;
        if (ntokens > 3)
        {
            var holdIsZero = line.Slice(starts[2], lengths[2]).SequenceEqual("0"u8);
            noreply = IsNoreply(line, starts, lengths, ntokens);
            var valid = (ntokens == 4 && (holdIsZero || noreply)) || (ntokens == 5 && holdIsZero && noreply);
            if (!valid)
            {
                return Fail(McLocalReply.DeleteUsage, noreply);
            }
        }
        if (lengths[1] > KeyMaxLength)
        {
            return Fail(McLocalReply.BadFormat, noreply);
        }
        return new McCommand
        {
            Kind = McCommandKind.Delete,
            Noreply = noreply,
            KeyStart = starts[1],
            KeyLength = lengths[1],
            ForwardLength = starts[1] + lengths[1],
        };
    }

    private static McCommand ParseArithmetic(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens, McCommandKind kind)
    {
        if (ntokens != 4 && ntokens != 5)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        var noreply = IsNoreply(line, starts, lengths, ntokens);
        if (lengths[1] > KeyMaxLength)
        {
            return Fail(McLocalReply.BadFormat, noreply);
        }
        if (!CNumber.SafeStrtoull(line.Slice(starts[2], lengths[2]), out _))
        {
            return Fail(McLocalReply.InvalidDelta, noreply);
        }
        return new McCommand
        {
            Kind = kind,
            Noreply = noreply,
            KeyStart = starts[1],
            KeyLength = lengths[1],
            ForwardLength = starts[2] + lengths[2],
        };
    }

    private static McCommand ParseTouch(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        if (ntokens != 4 && ntokens != 5)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        var noreply = IsNoreply(line, starts, lengths, ntokens);
        if (lengths[1] > KeyMaxLength)
        {
            return Fail(McLocalReply.BadFormat, noreply);
        }
        if (!CNumber.SafeStrtol(line.Slice(starts[2], lengths[2]), out _))
        {
            return Fail(McLocalReply.InvalidExptime, noreply);
        }
        return new McCommand
        {
            Kind = McCommandKind.Touch,
            Noreply = noreply,
            KeyStart = starts[1],
            KeyLength = lengths[1],
            ForwardLength = starts[2] + lengths[2],
        };
    }

    private static McCommand ParseVerbosity(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        if (ntokens != 3 && ntokens != 4)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        var noreply = IsNoreply(line, starts, lengths, ntokens);
        if (!CNumber.SafeStrtoul(line.Slice(starts[1], lengths[1]), out _))
        {
            return Fail(McLocalReply.BadFormat, noreply);
        }
        return new McCommand { Kind = McCommandKind.Verbosity, Noreply = noreply, ForwardLength = starts[1] + lengths[1] };
    }

    private static McCommand ParseFlushAll(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        if (ntokens < 2 || ntokens > 4)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        var noreply = IsNoreply(line, starts, lengths, ntokens);
        var forward = lengths[0] + starts[0];
        if (ntokens != (noreply ? 3 : 2))
        {
            if (!CNumber.SafeStrtol(line.Slice(starts[1], lengths[1]), out _))
            {
                return Fail(McLocalReply.InvalidExptime, noreply);
            }
            forward = starts[1] + lengths[1];
        }
        return new McCommand { Kind = McCommandKind.FlushAll, Noreply = noreply, ForwardLength = forward };
    }
}
