using System.Text;
using Sharpcracker.Protocols.Memcached;
using static Sharpcracker.Tests.Protocols.Memcached.TestBytes;

namespace Sharpcracker.Tests.Protocols.Memcached;

/// <summary>
/// McRequestParser against memcached 1.6.18's process_command_ascii. Each row gives a request line
/// (without its line end) and a compact description of the parse result:
/// "Local:&lt;reply&gt;", "Silent", "Close", or "&lt;Kind&gt;[ noreply] fwd=[forwarded text]" followed by
/// "data=N" (storage), "keys@N" (retrieval), "key=[k]" (single-key commands).
/// {K250} in a row stands for a 250-byte key.
/// </summary>
public sealed class McRequestParserTests
{
    internal static string Describe(McCommand c, string line)
    {
        switch (c.Kind)
        {
            case McCommandKind.Local:
                return "Local:" + c.Reply;
            case McCommandKind.Silent:
            case McCommandKind.Close:
                return c.Kind.ToString();
        }
        var sb = new StringBuilder();
        sb.Append(c.Kind);
        if (c.Noreply)
        {
            sb.Append(" noreply");
        }
        sb.Append(" fwd=[").Append(line[..c.ForwardLength]).Append(']');
        if (c.IsStorage)
        {
            sb.Append(" data=").Append(c.DataLength);
        }
        if (c.IsRetrieval)
        {
            sb.Append(" keys@").Append(c.KeysStart);
        }
        if (c.KeyLength > 0)
        {
            sb.Append(" key=[").Append(line.AsSpan(c.KeyStart, c.KeyLength)).Append(']');
        }
        return sb.ToString();
    }

    private static string ParseLine(string line) => Describe(McRequestParser.Parse(Bytes(line)), line);

    [Theory]
    // ---- retrieval ----
    [InlineData("get a", "Get fwd=[get a] keys@4")]
    [InlineData("get a b c", "Get fwd=[get a b c] keys@4")]
    [InlineData("get   a  b ", "Get fwd=[get   a  b ] keys@6")]
    [InlineData("get a noreply", "Get fwd=[get a noreply] keys@4")]
    [InlineData("get / HTTP/1.1", "Get fwd=[get / HTTP/1.1] keys@4")]
    [InlineData("get", "Local:Error")]
    [InlineData("get ", "Local:Error")]
    [InlineData("get    ", "Local:Error")]
    [InlineData("gets a", "Gets fwd=[gets a] keys@5")]
    [InlineData("gets a b", "Gets fwd=[gets a b] keys@5")]
    [InlineData("gets", "Local:Error")]
    [InlineData("gat 10 a", "Gat fwd=[gat 10 a] keys@7")]
    [InlineData("gat -1 a b", "Gat fwd=[gat -1 a b] keys@7")]
    [InlineData("gats 10 a b", "Gats fwd=[gats 10 a b] keys@8")]
    [InlineData("gat 10", "Local:End")]
    [InlineData("gats 10   ", "Local:End")]
    [InlineData("gat abc a", "Local:InvalidExptime")]
    [InlineData("gats 1x a", "Local:InvalidExptime")]
    [InlineData("gat 99999999999999999999 a", "Local:InvalidExptime")]
    [InlineData("gat abc", "Local:InvalidExptime")]
    [InlineData("gat", "Local:Error")]
    [InlineData("gats", "Local:Error")]
    [InlineData("get {K250}", "Get fwd=[get {K250}] keys@4")]
    [InlineData("get {K251}", "Local:BadFormat")]
    [InlineData("get a b {K251} c", "Local:BadFormat")]
    [InlineData("gets {K250} {K251}", "Local:BadFormat")]
    [InlineData("gat 10 {K251}", "Local:BadFormat")]
    [InlineData("gat x {K251}", "Local:InvalidExptime")]
    [InlineData("bget a", "Get fwd=[bget a] keys@5")]
    [InlineData("bget", "Local:Error")]
    [InlineData("getx a", "Local:Error")]
    [InlineData("gimme a", "Local:Error")]
    [InlineData("g a", "Local:Error")]
    // ---- storage ----
    [InlineData("set k 0 0 5", "Set fwd=[set k 0 0 5] data=7 key=[k]")]
    [InlineData("set k 0 0 5 noreply", "Set noreply fwd=[set k 0 0 5] data=7 key=[k]")]
    [InlineData("set k 0 0 5 junk", "Set fwd=[set k 0 0 5 junk] data=7 key=[k]")]
    [InlineData("set  k  1  2  3 ", "Set fwd=[set  k  1  2  3] data=5 key=[k]")]
    [InlineData("add k 1 2 3", "Add fwd=[add k 1 2 3] data=5 key=[k]")]
    [InlineData("replace k 1 2 3", "Replace fwd=[replace k 1 2 3] data=5 key=[k]")]
    [InlineData("append k 1 2 3", "Append fwd=[append k 1 2 3] data=5 key=[k]")]
    [InlineData("prepend k 1 2 3 noreply", "Prepend noreply fwd=[prepend k 1 2 3] data=5 key=[k]")]
    [InlineData("set k 0 0 0", "Set fwd=[set k 0 0 0] data=2 key=[k]")]
    [InlineData("set k 0 0", "Local:Error")]
    [InlineData("set k", "Local:Error")]
    [InlineData("set", "Local:Error")]
    [InlineData("set k 0 0 5 noreply x", "Local:Error")]
    [InlineData("set k 0 0 5 5 noreply", "Local:Error")]
    [InlineData("add k 0 0", "Local:Error")]
    [InlineData("replace k 0 0 1 2 3", "Local:Error")]
    [InlineData("append k", "Local:Error")]
    [InlineData("prepend", "Local:Error")]
    [InlineData("set k -1 0 5", "Local:BadFormat")]
    [InlineData("set k -1 0 5 noreply", "Silent")]
    [InlineData("set k 0 abc 5", "Local:BadFormat")]
    [InlineData("set k 0 abc 5 noreply", "Silent")]
    [InlineData("set k 0 0 -1", "Local:BadFormat")]
    [InlineData("set k 0 0 abc", "Local:BadFormat")]
    [InlineData("set k 0 0 5x", "Local:BadFormat")]
    [InlineData("set k 0 0 +5", "Set fwd=[set k 0 0 +5] data=7 key=[k]")]
    [InlineData("set k 0 0 \t5\t", "Set fwd=[set k 0 0 \t5\t] data=7 key=[k]")]
    [InlineData("set k 0 0 4294967297", "Set fwd=[set k 0 0 4294967297] data=3 key=[k]")]
    [InlineData("set k 0 0 2147483645", "Set fwd=[set k 0 0 2147483645] data=2147483647 key=[k]")]
    [InlineData("set k 0 0 2147483646", "Local:BadFormat")]
    [InlineData("set k 0 0 2147483648", "Local:BadFormat")]
    [InlineData("set k 0 0 99999999999999999999", "Local:BadFormat")]
    [InlineData("set k 4294967296 0 1", "Set fwd=[set k 4294967296 0 1] data=3 key=[k]")]
    [InlineData("set k 18446744073709551615 0 1", "Set fwd=[set k 18446744073709551615 0 1] data=3 key=[k]")]
    [InlineData("set k 18446744073709551616 0 1", "Local:BadFormat")]
    [InlineData("set k -0 -1 1", "Set fwd=[set k -0 -1 1] data=3 key=[k]")]
    [InlineData("set k 0 9223372036854775808 1", "Local:BadFormat")]
    [InlineData("set k 0 -9223372036854775808 1", "Set fwd=[set k 0 -9223372036854775808 1] data=3 key=[k]")]
    [InlineData("set {K250} 0 0 1", "Set fwd=[set {K250} 0 0 1] data=3 key=[{K250}]")]
    [InlineData("set {K251} 0 0 1", "Local:BadFormat")]
    [InlineData("set {K251} 0 0 1 noreply", "Silent")]
    [InlineData("set {K251} 0 0 x", "Local:BadFormat")]
    [InlineData("set k 0 0 noreply", "Silent")]
    [InlineData("cas k 0 0 5 123", "Cas fwd=[cas k 0 0 5 123] data=7 key=[k]")]
    [InlineData("cas k 0 0 5 123 noreply", "Cas noreply fwd=[cas k 0 0 5 123] data=7 key=[k]")]
    [InlineData("cas k 0 0 5 18446744073709551615", "Cas fwd=[cas k 0 0 5 18446744073709551615] data=7 key=[k]")]
    [InlineData("cas k 0 0 5 18446744073709551616", "Local:BadFormat")]
    [InlineData("cas k 0 0 5", "Local:Error")]
    [InlineData("cas k 0 0 5 1 noreply x", "Local:Error")]
    [InlineData("cas k 0 0 5 abc", "Local:BadFormat")]
    [InlineData("cas k 0 0 5 -1", "Local:BadFormat")]
    [InlineData("cas k 0 0 5 abc noreply", "Silent")]
    [InlineData("cas k 0 0 5 noreply", "Silent")]
    [InlineData("cas k 0 0 -5 1", "Local:BadFormat")]
    [InlineData("cas {K251} 0 0 5 1", "Local:BadFormat")]
    // ---- delete ----
    [InlineData("delete k", "Delete fwd=[delete k] key=[k]")]
    [InlineData("delete k noreply", "Delete noreply fwd=[delete k] key=[k]")]
    [InlineData("delete k 0", "Delete fwd=[delete k] key=[k]")]
    [InlineData("delete k 0 noreply", "Delete noreply fwd=[delete k] key=[k]")]
    [InlineData("delete k 10", "Local:DeleteUsage")]
    [InlineData("delete k 00", "Local:DeleteUsage")]
    [InlineData("delete k 10 noreply", "Silent")]
    [InlineData("delete k noreply 0", "Local:DeleteUsage")]
    [InlineData("delete k 0 0", "Local:DeleteUsage")]
    [InlineData("delete k noreply noreply", "Silent")]
    [InlineData("delete", "Local:Error")]
    [InlineData("delete k 0 noreply x", "Local:Error")]
    [InlineData("delete {K250}", "Delete fwd=[delete {K250}] key=[{K250}]")]
    [InlineData("delete {K251}", "Local:BadFormat")]
    [InlineData("delete {K251} noreply", "Silent")]
    [InlineData("delete {K251} 5", "Local:DeleteUsage")]
    // ---- arithmetic ----
    [InlineData("incr k 5", "Incr fwd=[incr k 5] key=[k]")]
    [InlineData("incr k 5 noreply", "Incr noreply fwd=[incr k 5] key=[k]")]
    [InlineData("incr k 5 junk", "Incr fwd=[incr k 5] key=[k]")]
    [InlineData("decr k 18446744073709551615", "Decr fwd=[decr k 18446744073709551615] key=[k]")]
    [InlineData("decr k 1 noreply", "Decr noreply fwd=[decr k 1] key=[k]")]
    [InlineData("incr k 18446744073709551616", "Local:InvalidDelta")]
    [InlineData("incr k -1", "Local:InvalidDelta")]
    [InlineData("decr k x", "Local:InvalidDelta")]
    [InlineData("incr k abc noreply", "Silent")]
    [InlineData("incr k", "Local:Error")]
    [InlineData("decr", "Local:Error")]
    [InlineData("incr k 1 noreply x", "Local:Error")]
    [InlineData("incr {K251} 1", "Local:BadFormat")]
    [InlineData("decr {K251} x", "Local:BadFormat")]
    [InlineData("incr {K251} 1 noreply", "Silent")]
    // ---- touch ----
    [InlineData("touch k 10", "Touch fwd=[touch k 10] key=[k]")]
    [InlineData("touch k -1 noreply", "Touch noreply fwd=[touch k -1] key=[k]")]
    [InlineData("touch k abc", "Local:InvalidExptime")]
    [InlineData("touch k abc noreply", "Silent")]
    [InlineData("touch k", "Local:Error")]
    [InlineData("touch k 1 noreply x", "Local:Error")]
    [InlineData("touch {K251} 10", "Local:BadFormat")]
    // ---- admin ----
    [InlineData("version", "Version fwd=[]")]
    [InlineData("version x y", "Version fwd=[]")]
    [InlineData("verbosity 1", "Verbosity fwd=[verbosity 1]")]
    [InlineData("verbosity 1 noreply", "Verbosity noreply fwd=[verbosity 1]")]
    [InlineData("verbosity 1 2", "Verbosity fwd=[verbosity 1]")]
    [InlineData("verbosity", "Local:Error")]
    [InlineData("verbosity 1 2 3", "Local:Error")]
    [InlineData("verbosity x", "Local:BadFormat")]
    [InlineData("verbosity -1", "Local:BadFormat")]
    [InlineData("verbosity noreply", "Silent")]
    [InlineData("verbosity x noreply", "Silent")]
    [InlineData("flush_all", "FlushAll fwd=[flush_all]")]
    [InlineData("flush_all 10", "FlushAll fwd=[flush_all 10]")]
    [InlineData("flush_all -1", "FlushAll fwd=[flush_all -1]")]
    [InlineData("flush_all noreply", "FlushAll noreply fwd=[flush_all]")]
    [InlineData("flush_all 10 noreply", "FlushAll noreply fwd=[flush_all 10]")]
    [InlineData("flush_all 10 20", "FlushAll fwd=[flush_all 10]")]
    [InlineData("flush_all x", "Local:InvalidExptime")]
    [InlineData("flush_all x noreply", "Silent")]
    [InlineData("flush_all noreply x", "Local:InvalidExptime")]
    [InlineData("flush_all 1 2 3", "Local:Error")]
    [InlineData("quit", "Quit fwd=[]")]
    [InlineData("quit now", "Quit fwd=[]")]
    [InlineData("stats", "Stats fwd=[]")]
    [InlineData("stats  ", "Stats fwd=[]")]
    [InlineData("stats items", "Local:NotSupportedByProxy")]
    [InlineData("stats noreply", "Local:Error")]
    [InlineData("stats nosuch", "Local:Error")]
    [InlineData("stats item", "Local:Error")]
    [InlineData("stats reset", "AdminToEveryServer fwd=[stats reset]")]
    [InlineData("stats reset now", "AdminToEveryServer fwd=[stats reset]")]
    [InlineData("stats detail", "Local:StatsDetailUsage")]
    [InlineData("stats detail x", "Local:StatsDetailUsage")]
    [InlineData("stats detail on", "AdminToEveryServer fwd=[stats detail on]")]
    [InlineData("stats detail off x", "AdminToEveryServer fwd=[stats detail off]")]
    [InlineData("stats detail dump", "Local:NotSupportedByProxy")]
    [InlineData("stats cachedump", "Local:BadCommandLine")]
    [InlineData("stats cachedump 1", "Local:BadCommandLine")]
    [InlineData("stats cachedump x 1", "Local:BadFormat")]
    [InlineData("stats cachedump 64 1", "Local:IllegalSlabId")]
    [InlineData("stats cachedump 1 1", "Local:NotSupportedByProxy")]
    [InlineData("stats settings", "Local:NotSupportedByProxy")]
    [InlineData("stats sizes_enable", "Local:NotSupportedByProxy")]
    [InlineData("slabs", "Local:Error")]
    [InlineData("slabs foo", "Local:Error")]
    [InlineData("slabs automove", "Local:Error")]
    [InlineData("slabs automove invalid", "Local:BadFormat")]
    [InlineData("slabs automove invalid noreply", "Silent")]
    [InlineData("slabs automove 3", "Local:Error")]
    [InlineData("slabs automove 1", "AdminToEveryServer fwd=[slabs automove 1]")]
    [InlineData("slabs automove 2 noreply", "AdminToEveryServer noreply fwd=[slabs automove 2]")]
    [InlineData("slabs automove ratio", "Local:Error")]
    [InlineData("slabs automove ratio 0.5", "AdminToEveryServer fwd=[slabs automove ratio 0.5]")]
    [InlineData("slabs reassign 1", "Local:Error")]
    [InlineData("slabs reassign 1 x", "Local:BadFormat")]
    [InlineData("slabs reassign 1 2", "AdminToEveryServer fwd=[slabs reassign 1 2]")]
    [InlineData("lru_crawler", "Local:Error")]
    [InlineData("lru_crawler foo", "Local:Error")]
    [InlineData("lru_crawler crawl", "Local:Error")]
    [InlineData("lru_crawler crawl all", "AdminToEveryServer fwd=[lru_crawler crawl all]")]
    [InlineData("lru_crawler crawl all x", "Local:Error")]
    [InlineData("lru_crawler metadump all", "Local:NotSupportedByProxy")]
    [InlineData("lru_crawler tocrawl x", "Local:BadFormat")]
    [InlineData("lru_crawler sleep 2000000", "Local:CrawlerSleepTooLong")]
    [InlineData("lru_crawler sleep 100", "AdminToEveryServer fwd=[lru_crawler sleep 100]")]
    [InlineData("lru_crawler enable", "AdminToEveryServer fwd=[lru_crawler enable]")]
    [InlineData("lru_crawler enable noreply", "Local:Error")]
    [InlineData("lru", "Local:Error")]
    [InlineData("lru foo", "Local:Error")]
    [InlineData("lru noreply", "Silent")]
    [InlineData("lru mode", "Local:Error")]
    [InlineData("lru mode flat", "AdminToEveryServer fwd=[lru mode flat]")]
    [InlineData("lru mode flat noreply", "AdminToEveryServer noreply fwd=[lru mode flat]")]
    [InlineData("lru tune 1 2 3", "Local:Error")]
    [InlineData("lru tune 1 2 3 4", "AdminToEveryServer fwd=[lru tune 1 2 3 4]")]
    [InlineData("watch", "Local:NotSupportedByProxy")]
    [InlineData("watch fetchers mutations", "Local:NotSupportedByProxy")]
    [InlineData("watch foo", "Local:Error")]
    [InlineData("watch fetchers noreply", "Silent")]
    [InlineData("cache_memlimit", "Local:Error")]
    [InlineData("cache_memlimit x", "Local:Error")]
    [InlineData("cache_memlimit x noreply", "Silent")]
    [InlineData("cache_memlimit 1 2 3", "Local:Error")]
    [InlineData("cache_memlimit 64", "AdminToEveryServer fwd=[cache_memlimit 64]")]
    [InlineData("cache_memlimit 64 1", "AdminToEveryServer fwd=[cache_memlimit 64]")]
    [InlineData("cache_memlimit 64 noreply", "AdminToEveryServer noreply fwd=[cache_memlimit 64]")]
    [InlineData("extstore", "Local:Error")]
    [InlineData("extstore noreply", "Silent")]
    [InlineData("extstore item_size 512", "AdminToEveryServer fwd=[extstore item_size 512]")]
    [InlineData("refresh_certs x", "AdminToEveryServer fwd=[refresh_certs]")]
    [InlineData("shutdown", "Local:ShutdownNotEnabled")]
    [InlineData("shutdown graceful", "Local:ShutdownNotEnabled")]
    // ---- unknown, case, empty, meta, HTTP ----
    [InlineData("", "Local:Error")]
    [InlineData(" ", "Local:Error")]
    [InlineData("     ", "Local:Error")]
    [InlineData("a", "Local:Error")]
    [InlineData("a b c", "Local:Error")]
    [InlineData("foo", "Local:Error")]
    [InlineData("GET a", "Local:Error")]
    [InlineData("Get a", "Local:Error")]
    [InlineData("SET k 0 0 1", "Local:Error")]
    [InlineData("DELETE k", "Local:Error")]
    [InlineData("VERSION", "Local:Error")]
    [InlineData("Quit", "Local:Error")]
    [InlineData("get\ta", "Local:Error")]
    [InlineData("version\t", "Local:Error")]
    [InlineData("GET / HTTP/1.1", "Close")]
    [InlineData("POST /x HTTP/1.0", "Close")]
    [InlineData("foo HTTP/", "Close")]
    [InlineData("HTTP/1.1", "Close")]
    [InlineData("foo bar HTTP/1.1  ", "Close")]
    [InlineData("foo HTTP", "Local:Error")]
    [InlineData("foo http/1.1", "Local:Error")]
    [InlineData("foo HTTP/1.1 x", "Local:Error")]
    [InlineData("set / HTTP/1.1", "Local:Error")]
    [InlineData("delete / HTTP/1.1", "Local:DeleteUsage")]
    [InlineData("x HTTP/1.1", "Local:Error")]
    [InlineData("mx HTTP/1.1", "Local:Error")]
    [InlineData("gx a HTTP/1.1", "Local:Error")]
    [InlineData("touchy HTTP/1.1", "Local:Error")]
    [InlineData("versions HTTP/1.1", "Close")]
    public void ParsesLikeMemcached(string line, string expected)
    {
        Assert.Equal(Expand(expected), ParseLine(Expand(line)));
    }

    private static string Words(int count, string prefix = "w")
        => string.Join(' ', Enumerable.Range(1, count).Select(i => prefix + i));

    [Fact]
    public void MultiGetWithManyKeysIsNotLimitedByTheTokenCap()
    {
        var line = "get " + Words(60, "key");
        Assert.Equal($"Get fwd=[{line}] keys@4", ParseLine(line));
        Assert.Equal($"Gets fwd=[gets {Words(60, "key")}] keys@5", ParseLine("gets " + Words(60, "key")));
        Assert.Equal($"Gat fwd=[gat 5 {Words(60, "key")}] keys@6", ParseLine("gat 5 " + Words(60, "key")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(23)]
    [InlineData(24)]
    [InlineData(40)]
    [InlineData(99)]
    public void OneOverlongKeyAnywhereInAMultiGetIsBadFormat(int position)
    {
        var keys = Enumerable.Range(0, 100).Select(i => "k" + i).ToArray();
        keys[position] = new string('x', 251);
        Assert.Equal("Local:BadFormat", ParseLine("get " + string.Join(' ', keys)));
        Assert.Equal("Local:BadFormat", ParseLine("gats 0 " + string.Join(' ', keys)));
        keys[position] = new string('x', 250);
        Assert.Equal("Get fwd=[get " + string.Join(' ', keys) + "] keys@4", ParseLine("get " + string.Join(' ', keys)));
    }

    [Theory]
    // Tokens the command line ends with, counting the command itself.
    [InlineData(22, "Close")]
    [InlineData(23, "Close")]  // the 23rd token is the last one memcached tokenizes
    [InlineData(24, "Local:Error")]  // the HTTP/ token is beyond the cap and never looked at
    [InlineData(30, "Local:Error")]
    public void HttpRuleOnlySeesTheFirst23Tokens(int tokens, string expected)
    {
        var line = "foo " + Words(tokens - 2) + " HTTP/1.1";
        Assert.Equal(expected, ParseLine(line));
        // With the HTTP/ token at position 23 and more after it, the 23rd token still decides.
        if (tokens == 24)
        {
            Assert.Equal("Close", ParseLine("foo " + Words(21) + " HTTP/1.1 tail"));
        }
    }

    [Theory]
    [InlineData("set")]
    [InlineData("add")]
    [InlineData("delete")]
    [InlineData("incr")]
    [InlineData("touch")]
    [InlineData("verbosity")]
    [InlineData("flush_all")]
    [InlineData("cas")]
    public void CommandsWithMoreThan24TokensAreErrors(string command)
    {
        Assert.Equal("Local:Error", ParseLine(command + " " + Words(30)));
        Assert.Equal("Local:Error", ParseLine(command + " " + Words(30) + " noreply"));
    }

    [Fact]
    public void TokenizerCountsTheTerminalTokenAndStopsAt24()
    {
        Span<int> starts = stackalloc int[McRequestParser.MaxTokens];
        Span<int> lengths = stackalloc int[McRequestParser.MaxTokens];
        Assert.Equal(1, McRequestParser.Tokenize(""u8, starts, lengths));
        Assert.Equal(1, McRequestParser.Tokenize("   "u8, starts, lengths));
        Assert.Equal(3, McRequestParser.Tokenize("  get   a  "u8, starts, lengths));
        Assert.Equal(2, starts[0]);
        Assert.Equal(3, lengths[0]);
        Assert.Equal(8, starts[1]);
        Assert.Equal(1, lengths[1]);
        Assert.Equal(23, McRequestParser.Tokenize(Bytes(Words(22)), starts, lengths));
        Assert.Equal(24, McRequestParser.Tokenize(Bytes(Words(23)), starts, lengths));
        Assert.Equal(24, McRequestParser.Tokenize(Bytes(Words(23) + " "), starts, lengths));
        Assert.Equal(24, McRequestParser.Tokenize(Bytes(Words(50)), starts, lengths));
        Assert.Equal(2, lengths[0]);
        Assert.Equal(3, lengths[22]); // "w23"
    }

    [Theory]
    [InlineData("Error", "ERROR\r\n")]
    [InlineData("BadFormat", "CLIENT_ERROR bad command line format\r\n")]
    [InlineData("DeleteUsage", "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n")]
    [InlineData("InvalidExptime", "CLIENT_ERROR invalid exptime argument\r\n")]
    [InlineData("InvalidDelta", "CLIENT_ERROR invalid numeric delta argument\r\n")]
    [InlineData("ShutdownNotEnabled", "ERROR: shutdown not enabled\r\n")]
    [InlineData("End", "END\r\n")]
    [InlineData("None", "")]
    public void LocalRepliesAreMemcachedsBytes(string reply, string bytes)
    {
        Assert.Equal(bytes, Text(McCommand.ReplyBytes(Enum.Parse<McLocalReply>(reply))));
    }

    [Fact]
    public void FixedRepliesAreMemcachedsBytes()
    {
        Assert.Equal("OK\r\n", Text(McReplies.Ok));
        Assert.Equal("END\r\n", Text(McReplies.End));
        Assert.Equal("SERVER_ERROR ", Text(McReplies.ServerErrorPrefix));
        Assert.Equal("\r\n", Text(McReplies.Crlf));
    }

    [Fact]
    public void StorageAndRetrievalClassification()
    {
        Assert.True(McRequestParser.Parse("cas k 0 0 1 1"u8).IsStorage);
        Assert.False(McRequestParser.Parse("cas k 0 0 1 1"u8).IsRetrieval);
        Assert.True(McRequestParser.Parse("gats 1 k"u8).IsRetrieval);
        Assert.False(McRequestParser.Parse("delete k"u8).IsStorage);
        Assert.False(McRequestParser.Parse("set k 0 0 x"u8).IsStorage);
    }
}
