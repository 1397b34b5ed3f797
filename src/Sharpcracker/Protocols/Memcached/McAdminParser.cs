namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// The server-local administration commands of memcached 1.6.18 (<c>stats &lt;sub&gt;</c>,
/// <c>slabs</c>, <c>lru_crawler</c>, <c>lru</c>, <c>watch</c>, <c>cache_memlimit</c>,
/// <c>extstore</c>, <c>refresh_certs</c>). Each line gets one of three outcomes:
/// <list type="bullet">
/// <item>every malformed form is answered by the proxy with the bytes memcached answers (and
/// hidden where memcached's <c>noreply</c> handling hides them);</item>
/// <item>commands that change a server setting or start server work and answer one line are
/// sent to every server (<see cref="McCommandKind.AdminToEveryServer"/>); the client gets one reply,
/// the first one that is not <c>OK</c>/<c>RESET</c>, so what only a server can decide (BADCLASS,
/// MEMLIMIT_TOO_SMALL, BUSY …) is still memcached's own answer;</item>
/// <item>commands whose answer is a per-server listing or stream (stats items/slabs/settings/…,
/// cachedump, detail dump, metadump, watch) are refused with
/// <c>SERVER_ERROR not supported by proxy</c>: a listing from several servers cannot be one
/// server's answer, and a stream would take over the connection.</item>
/// </list>
/// The checks follow process_command_ascii and the process_*_command functions of 1.6.18 in
/// their order (token counts first, then arguments), because that order decides which error a
/// line with several faults gets.
/// </summary>
internal static class McAdminParser
{
    /// <summary>memcached's MAX_NUMBER_OF_SLAB_CLASSES (63 + 1).</summary>
    private const uint SlabClassLimit = 64;

    /// <summary>lru_crawler sleep: one second in microseconds is the most memcached accepts.</summary>
    private const uint CrawlerSleepLimit = 1_000_000;

    /// <summary>
    /// The admin commands that do not start with 's' or 'c' (those are reached from the parser's
    /// first-letter switch, so the hot commands never pay for these comparisons). Null when
    /// <paramref name="cmd"/> is none of them.
    /// </summary>
    public static McCommand? TryParseOther(ReadOnlySpan<byte> cmd, ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        if (cmd.SequenceEqual("lru_crawler"u8)) return ParseLruCrawler(line, starts, lengths, ntokens);
        if (cmd.SequenceEqual("lru"u8)) return ParseLru(line, starts, lengths, ntokens);
        if (cmd.SequenceEqual("watch"u8)) return ParseWatch(line, starts, lengths, ntokens);
        if (cmd.SequenceEqual("extstore"u8)) return ParseExtstore(line, starts, lengths, ntokens);
        if (cmd.SequenceEqual("refresh_certs"u8))
        {
            // Arguments are ignored and the reply is written even under noreply (write_and_free).
            return ToEveryServer(starts, lengths, lastToken: 0, noreply: false);
        }
        return null;
    }

    /// <summary><c>stats &lt;sub&gt;</c> (more than one token; plain <c>stats</c> is answered by the proxy).</summary>
    public static McCommand ParseStats(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        var sub = Token(line, starts, lengths, 1);
        if (sub.SequenceEqual("reset"u8))
        {
            return ToEveryServer(starts, lengths, lastToken: 1, noreply: false);
        }
        if (sub.SequenceEqual("detail"u8))
        {
            if (ntokens < 4)
            {
                return McCommand.Local(McLocalReply.StatsDetailUsage);
            }
            var mode = Token(line, starts, lengths, 2);
            if (mode.SequenceEqual("on"u8) || mode.SequenceEqual("off"u8))
            {
                return ToEveryServer(starts, lengths, lastToken: 2, noreply: false);
            }
            return McCommand.Local(mode.SequenceEqual("dump"u8) ? McLocalReply.NotSupportedByProxy : McLocalReply.StatsDetailUsage);
        }
        if (sub.SequenceEqual("cachedump"u8))
        {
            if (ntokens < 5)
            {
                return McCommand.Local(McLocalReply.BadCommandLine);
            }
            if (!CNumber.SafeStrtoul(Token(line, starts, lengths, 2), out var id) || !CNumber.SafeStrtoul(Token(line, starts, lengths, 3), out _))
            {
                return McCommand.Local(McLocalReply.BadFormat);
            }
            return McCommand.Local(id >= SlabClassLimit ? McLocalReply.IllegalSlabId : McLocalReply.NotSupportedByProxy);
        }
        if (sub.SequenceEqual("settings"u8) || sub.SequenceEqual("conns"u8) || sub.SequenceEqual("extstore"u8)
            || sub.SequenceEqual("items"u8) || sub.SequenceEqual("slabs"u8) || sub.SequenceEqual("sizes"u8)
            || sub.SequenceEqual("sizes_enable"u8) || sub.SequenceEqual("sizes_disable"u8))
        {
            return McCommand.Local(McLocalReply.NotSupportedByProxy);
        }
        return McCommand.Local(McLocalReply.Error);
    }

    public static McCommand ParseSlabs(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        if (ntokens < 3)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        var sub = Token(line, starts, lengths, 1);
        if (ntokens == 5 && sub.SequenceEqual("reassign"u8))
        {
            if (!CNumber.SafeStrtol(Token(line, starts, lengths, 2), out _) || !CNumber.SafeStrtol(Token(line, starts, lengths, 3), out _))
            {
                return McCommand.Local(McLocalReply.BadFormat);
            }
            return ToEveryServer(starts, lengths, lastToken: 3, noreply: false);
        }
        if (ntokens >= 4 && sub.SequenceEqual("automove"u8))
        {
            var noreply = IsNoreply(line, starts, lengths, ntokens);
            var arg = Token(line, starts, lengths, 2);
            if (arg.SequenceEqual("ratio"u8))
            {
                // The ratio's strtod rules are the server's to apply: it answers OK or ERROR.
                return ntokens < 5 ? Fail(McLocalReply.Error, noreply) : ToEveryServer(starts, lengths, LastKept(ntokens, noreply), noreply);
            }
            if (!CNumber.SafeStrtoul(arg, out var level))
            {
                return Fail(McLocalReply.BadFormat, noreply);
            }
            return level <= 2 ? ToEveryServer(starts, lengths, LastKept(ntokens, noreply), noreply) : Fail(McLocalReply.Error, noreply);
        }
        return McCommand.Local(McLocalReply.Error);
    }

    private static McCommand ParseLruCrawler(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        if (ntokens == 4)
        {
            var sub = Token(line, starts, lengths, 1);
            if (sub.SequenceEqual("crawl"u8))
            {
                return ToEveryServer(starts, lengths, lastToken: 2, noreply: false);
            }
            if (sub.SequenceEqual("metadump"u8))
            {
                return McCommand.Local(McLocalReply.NotSupportedByProxy);
            }
            var isTocrawl = sub.SequenceEqual("tocrawl"u8);
            if (isTocrawl || sub.SequenceEqual("sleep"u8))
            {
                if (!CNumber.SafeStrtoul(Token(line, starts, lengths, 2), out var value))
                {
                    return McCommand.Local(McLocalReply.BadFormat);
                }
                if (!isTocrawl && value > CrawlerSleepLimit)
                {
                    return McCommand.Local(McLocalReply.CrawlerSleepTooLong);
                }
                return ToEveryServer(starts, lengths, lastToken: 2, noreply: false);
            }
            return McCommand.Local(McLocalReply.Error);
        }
        if (ntokens == 3)
        {
            var sub = Token(line, starts, lengths, 1);
            return sub.SequenceEqual("enable"u8) || sub.SequenceEqual("disable"u8)
                ? ToEveryServer(starts, lengths, lastToken: 1, noreply: false)
                : McCommand.Local(McLocalReply.Error);
        }
        return McCommand.Local(McLocalReply.Error);
    }

    private static McCommand ParseLru(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        if (ntokens < 3)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        var noreply = IsNoreply(line, starts, lengths, ntokens);
        var sub = Token(line, starts, lengths, 1);
        // Argument values (numbers, flat/segmented, the 80 % rule) and whether the server runs an
        // LRU maintainer are the server's to judge; its one-line answer is memcached's answer.
        if ((sub.SequenceEqual("tune"u8) && ntokens >= 7)
            || (sub.SequenceEqual("mode"u8) && ntokens >= 4)
            || (sub.SequenceEqual("temp_ttl"u8) && ntokens >= 4))
        {
            return ToEveryServer(starts, lengths, LastKept(ntokens, noreply), noreply);
        }
        return Fail(McLocalReply.Error, noreply);
    }

    private static McCommand ParseWatch(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        var noreply = IsNoreply(line, starts, lengths, ntokens);
        // memcached reads every argument as a log category, the noreply token too.
        for (var i = 1; i < ntokens - 1; i++)
        {
            if (!IsWatchCategory(Token(line, starts, lengths, i)))
            {
                return Fail(McLocalReply.Error, noreply);
            }
        }
        return McCommand.Local(McLocalReply.NotSupportedByProxy);
    }

    private static bool IsWatchCategory(ReadOnlySpan<byte> name)
        => name.SequenceEqual("rawcmds"u8) || name.SequenceEqual("evictions"u8) || name.SequenceEqual("fetchers"u8)
            || name.SequenceEqual("mutations"u8) || name.SequenceEqual("sysevents"u8) || name.SequenceEqual("connevents"u8)
            || name.SequenceEqual("proxyreqs"u8) || name.SequenceEqual("proxyevents"u8) || name.SequenceEqual("proxyuser"u8);

    public static McCommand ParseMemlimit(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        if (ntokens != 3 && ntokens != 4)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        var noreply = IsNoreply(line, starts, lengths, ntokens);
        if (!CNumber.SafeStrtoul(Token(line, starts, lengths, 1), out _))
        {
            return Fail(McLocalReply.Error, noreply);
        }
        // The limit's range (at least 8 MB, megabytes not bytes) is checked by each server.
        return ToEveryServer(starts, lengths, lastToken: 1, noreply);
    }

    private static McCommand ParseExtstore(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
    {
        if (ntokens < 3)
        {
            return McCommand.Local(McLocalReply.Error);
        }
        var noreply = IsNoreply(line, starts, lengths, ntokens);
        return ntokens < 4 ? Fail(McLocalReply.Error, noreply) : ToEveryServer(starts, lengths, LastKept(ntokens, noreply), noreply);
    }

    private static ReadOnlySpan<byte> Token(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int index)
        => line.Slice(starts[index], lengths[index]);

    private static bool IsNoreply(ReadOnlySpan<byte> line, Span<int> starts, Span<int> lengths, int ntokens)
        => Token(line, starts, lengths, ntokens - 2).SequenceEqual("noreply"u8);

    /// <summary>The last token to forward: the line's last, or the one before a trailing noreply.</summary>
    private static int LastKept(int ntokens, bool noreply) => noreply ? ntokens - 3 : ntokens - 2;

    private static McCommand Fail(McLocalReply reply, bool noreply)
        => noreply ? new McCommand { Kind = McCommandKind.Silent } : McCommand.Local(reply);

    /// <summary>
    /// Sent to every server up to the end of <paramref name="lastToken"/>; a noreply token is never
    /// forwarded (each server must answer so the replies stay in step), the combined reply is hidden instead.
    /// </summary>
    private static McCommand ToEveryServer(Span<int> starts, Span<int> lengths, int lastToken, bool noreply)
        => new() { Kind = McCommandKind.AdminToEveryServer, Noreply = noreply, ForwardLength = starts[lastToken] + lengths[lastToken] };
}
