namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// Request sequences (valid and invalid) whose replies must be byte-identical from memcached
/// itself and from Sharpcracker in front of memcached. Each sequence is sent on a fresh
/// connection; unless it ends by closing, "quit" is appended so both sides end the stream.
/// </summary>
public static class MemcachedCorpus
{
    public sealed record Sequence(string Name, string Text, bool ClosesItself = false);

    public static IReadOnlyList<Sequence> All { get; } = Build();

    private static List<Sequence> Build()
    {
        var s = new List<Sequence>();
        void Add(string name, string text) => s.Add(new Sequence(name, text));

        // Storage and retrieval.
        Add("set-get", "set k1 0 0 5\r\nhello\r\nget k1\r\n");
        Add("set-flags-get", "set k2 123 0 3\r\nabc\r\nget k2\r\n");
        Add("set-max-flags", "set k3 4294967295 0 1\r\nx\r\nget k3\r\n");
        Add("set-empty-value", "set k4 0 0 0\r\n\r\nget k4\r\n");
        Add("value-with-crlf", "set k5 0 0 6\r\na\r\nb\r\n\r\nget k5\r\n");
        Add("add-existing", "add k1 0 0 1\r\nz\r\nget k1\r\n");
        Add("add-new", "add k6 0 0 2\r\nzz\r\nget k6\r\n");
        Add("replace-missing", "replace nokey 0 0 1\r\nz\r\n");
        Add("replace-existing", "replace k6 0 0 3\r\nnew\r\nget k6\r\n");
        Add("append", "append k6 0 0 3\r\n+ap\r\nget k6\r\n");
        Add("prepend", "prepend k6 0 0 3\r\npr+\r\nget k6\r\n");
        Add("append-missing", "append nokey 0 0 1\r\nz\r\n");
        Add("prepend-missing", "prepend nokey 0 0 1\r\nz\r\n");
        Add("gets", "gets k1\r\n");
        Add("gets-multi", "gets k1 k2 nokey k6\r\n");
        Add("cas-bad-unique", "cas k1 0 0 1 999999999\r\nq\r\n");
        Add("cas-missing", "cas nokey 0 0 1 1\r\nq\r\n");
        Add("cas-noreply", "cas k1 0 0 1 999999999 noreply\r\nq\r\nget k1\r\n");
        Add("multi-get-order-dups", "set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\nget b a b nokey a\r\n");
        Add("multi-get-misses", "get m1 m2 m3 m4\r\n");
        Add("multi-get-many", "get " + string.Join(' ', Enumerable.Range(0, 60).Select(i => i % 3 == 0 ? "a" : "k" + i)) + "\r\n");
        Add("get-extra-spaces", "get   a    b  \r\n");
        Add("get-leading-spaces", "   get a\r\n");
        Add("gat", "gat 1000 a b nokey\r\n");
        Add("gats", "gats 1000 a\r\n");
        Add("gat-no-key", "gat 10\r\n");
        Add("gat-bad-exptime", "gat abc a\r\n");
        Add("gat-negative-expires", "set gx 0 0 1\r\nx\r\ngat -1 gx\r\nget gx\r\n");
        Add("bget", "bget a b\r\n");
        Add("set-negative-exptime", "set ne 0 -1 1\r\nx\r\nget ne\r\n");
        Add("bare-newline", "set nl 0 0 2\nab\r\nget nl\n");
        Add("pipeline-mixed", "set p1 0 0 1\r\n1\r\nget p1\r\ndelete p1\r\nget p1\r\nincr p1 1\r\nset p1 0 0 1\r\n5\r\nincr p1 10\r\ndecr p1 100\r\n");

        // Counters.
        Add("incr", "set c 0 0 2\r\n10\r\nincr c 5\r\nget c\r\n");
        // Each counter sequence sets its own value first: memcached pads a shrinking incr/decr result
        // in place only when no other connection still holds the item (refcount), so a value left
        // by an earlier sequence on another connection could come back unpadded at random.
        Add("decr-floor", "set c 0 0 2\r\n15\r\ndecr c 1000\r\nget c\r\n");
        Add("incr-wrap", "set w 0 0 20\r\n18446744073709551615\r\nincr w 1\r\n");
        Add("incr-non-numeric", "set nn 0 0 3\r\nabc\r\nincr nn 1\r\n");
        Add("incr-bad-delta", "incr c abc\r\n");
        Add("incr-negative-delta", "incr c -1\r\n");
        Add("incr-missing", "incr nokey 1\r\n");
        Add("decr-trailing-space", "set d 0 0 3\r\n100\r\ndecr d 95\r\nget d\r\n");
        Add("incr-noreply", "set c 0 0 2\r\n0 \r\nincr c 1 noreply\r\nget c\r\n");
        Add("incr-wrong-tokens", "incr c\r\nincr c 1 2 3\r\n");

        // delete / touch.
        Add("delete", "set del 0 0 1\r\nx\r\ndelete del\r\ndelete del\r\n");
        Add("delete-zero", "set del 0 0 1\r\nx\r\ndelete del 0\r\n");
        Add("delete-hold", "delete del 10\r\n");
        Add("delete-noreply", "set del 0 0 1\r\nx\r\ndelete del noreply\r\nget del\r\n");
        Add("delete-zero-noreply", "set del 0 0 1\r\nx\r\ndelete del 0 noreply\r\nget del\r\n");
        Add("delete-bad-noreply", "delete del 5 noreply\r\nget a\r\n");
        Add("delete-too-many", "delete a b c d\r\n");
        Add("delete-no-key", "delete\r\n");
        Add("touch", "set t 0 0 1\r\nx\r\ntouch t 1000\r\ntouch nokey 10\r\n");
        Add("touch-bad-exptime", "touch t abc\r\n");
        Add("touch-noreply", "touch t 100 noreply\r\nget t\r\n");
        Add("touch-wrong-tokens", "touch t\r\n");

        // noreply in pipelines.
        Add("noreply-set", "set nr 0 0 1 noreply\r\nx\r\nget nr\r\n");
        Add("noreply-mixed", "set nr1 0 0 1 noreply\r\na\r\nset nr2 0 0 1\r\nb\r\nadd nr1 0 0 1 noreply\r\nc\r\nget nr1 nr2\r\nappend nr2 0 0 1 noreply\r\nd\r\nget nr2\r\n");
        Add("noreply-bad-chunk", "set nr 0 0 1 noreply\r\nxyz\r\nget nr\r\n");
        Add("noreply-bad-bytes", "set nr 0 0 abc noreply\r\nget nr\r\n");
        Add("noreply-in-bytes-slot", "set nr 0 0 noreply\r\nx\r\n");
        Add("noreply-extra-token", "set nr 0 0 1 noreply junk\r\nx\r\n");
        Add("set-extra-token", "set xt 0 0 1 junk\r\nx\r\nget xt\r\n");

        // Errors the proxy must answer like memcached.
        Add("unknown", "bogus\r\n");
        Add("unknown-args", "bogus a b c\r\n");
        Add("uppercase", "GET a\r\nSET a 0 0 1\r\n");
        Add("empty-line", "\r\n");
        Add("only-spaces", "     \r\n");
        Add("one-char", "g\r\n");
        Add("get-no-key", "get\r\n");
        Add("gets-no-key", "gets\r\n");
        Add("set-too-few", "set a 0 0\r\n");
        Add("set-too-many", "set a 0 0 1 noreply x y\r\n");
        Add("cas-missing-unique", "cas a 0 0 1\r\nx\r\n");
        Add("cas-bad-unique-text", "cas a 0 0 1 abc\r\nx\r\n");
        Add("set-bad-flags", "set a x 0 1\r\nx\r\n");
        Add("set-negative-flags", "set a -1 0 1\r\nx\r\n");
        Add("set-bad-exptime", "set a 0 x 1\r\nx\r\n");
        Add("set-bad-bytes", "set a 0 0 x\r\nx\r\n");
        Add("set-negative-bytes", "set a 0 0 -1\r\nx\r\n");
        Add("set-plus-sign", "set ps +1 +0 +1\r\nx\r\nget ps\r\n");
        Add("bad-data-chunk", "set bd 0 0 1\r\nxyz\r\nget bd\r\n");
        Add("bad-data-chunk-keeps-old", "set bd2 0 0 1\r\nA\r\nset bd2 0 0 2\r\nBBBB\r\nget bd2\r\n");
        Add("key-250", "set " + new string('k', 250) + " 0 0 1\r\nx\r\nget " + new string('k', 250) + "\r\n");
        Add("key-251-set", "set " + new string('k', 251) + " 0 0 1\r\nx\r\n");
        Add("key-251-get", "get " + new string('k', 251) + "\r\n");
        Add("key-251-in-multiget", "get a b " + new string('k', 251) + " a\r\n");
        Add("key-251-delete", "delete " + new string('k', 251) + "\r\n");
        Add("key-251-incr", "incr " + new string('k', 251) + " 1\r\n");
        Add("key-251-touch", "touch " + new string('k', 251) + " 1\r\n");
        Add("key-high-bytes", "set k\u00e9\u00ff 0 0 2\r\nhi\r\nget k\u00e9\u00ff\r\n");
        Add("key-control-bytes", "set k\u0001\u0002 0 0 2\r\nhi\r\nget k\u0001\u0002\r\n");
        Add("key-tab", "set k\tt 0 0 2\r\nhi\r\nget k\tt\r\n");
        Add("nul-in-line", "get a\0junk\r\n");
        Add("many-tokens", "delete " + string.Join(' ', Enumerable.Range(0, 30).Select(i => "t" + i)) + "\r\n");
        Add("many-tokens-get", "get " + string.Join(' ', Enumerable.Range(0, 40).Select(i => "a")) + "\r\n");

        // Admin commands.
        Add("version", "version\r\n");
        Add("version-args", "version foo bar\r\n");
        Add("verbosity", "verbosity 1\r\nverbosity 0\r\n");
        Add("verbosity-noreply", "verbosity 0 noreply\r\nget a\r\n");
        Add("verbosity-missing", "verbosity\r\n");
        Add("verbosity-invalid", "verbosity invalid\r\n");
        Add("verbosity-too-many", "verbosity 1 2 3\r\n");
        Add("flush-all", "set f 0 0 1\r\nx\r\nflush_all\r\nget f\r\n");
        Add("flush-all-zero", "flush_all 0\r\n");
        Add("flush-all-noreply", "set f 0 0 1\r\nx\r\nflush_all noreply\r\nget f\r\n");
        Add("flush-all-bad", "flush_all x\r\n");
        Add("flush-all-too-many", "flush_all 0 noreply x\r\n");
        Add("shutdown", "shutdown\r\n");
        Add("stats-bad-sub", "stats nosuchthing\r\n");
        // Server-local admin commands: malformed forms answered by the proxy as memcached
        // answers them; setting commands sent to every server, their values restored to the
        // defaults so later sequences see the same servers.
        Add("admin-malformed", "stats detail\r\nstats detail x\r\nstats cachedump\r\nstats cachedump 1\r\n"
            + "stats cachedump x 1\r\nstats cachedump 64 1\r\nstats item\r\nstats proxy\r\n"
            + "slabs\r\nslabs foo\r\nslabs automove\r\nslabs automove invalid\r\nslabs automove 3\r\n"
            + "slabs automove ratio\r\nslabs automove x noreply\r\nslabs reassign 1\r\nslabs reassign 1 x\r\n"
            + "lru_crawler\r\nlru_crawler foo\r\nlru_crawler crawl\r\nlru_crawler crawl all x\r\n"
            + "lru_crawler tocrawl x\r\nlru_crawler sleep x\r\nlru_crawler sleep 2000000\r\n"
            + "lru_crawler enable noreply\r\nlru_crawler mgdump all\r\nlru_crawler metadump\r\n"
            + "lru\r\nlru foo\r\nlru noreply\r\nlru mode\r\nlru mode foo\r\nlru temp_ttl x\r\nlru tune 1 2 3\r\n"
            + "lru tune a b c d\r\nlru tune 50 50 1 1\r\n"
            + "cache_memlimit\r\ncache_memlimit x\r\ncache_memlimit x noreply\r\ncache_memlimit 1 2 3\r\n"
            + "cache_memlimit 2\r\ncache_memlimit 2000000000\r\nextstore\r\nextstore noreply\r\n"
            + "extstore foo 1\r\nextstore item_size\r\nget a\r\n");
        // watch answers "ERROR cannot pipeline other commands before watch" when replies are
        // pending in the same read, so its argument errors are compared on a line of their own.
        Add("admin-watch-bad-category", "watch foo\r\n");
        Add("admin-watch-bad-second", "watch rawcmds foo\r\n");
        Add("admin-settings", "slabs automove 1\r\nslabs automove 1 noreply\r\nslabs automove ratio 0.8\r\n"
            + "slabs automove ratio x 1\r\nslabs reassign 1 1\r\nslabs reassign 1 2\r\n"
            + "lru_crawler sleep 100\r\nlru_crawler tocrawl 0\r\nlru_crawler crawl all\r\nlru_crawler crawl 99\r\n"
            + "lru mode segmented\r\nlru mode segmented noreply\r\nlru temp_ttl -1\r\nlru tune 20 40 0.2 2.0\r\n"
            + "cache_memlimit 64\r\ncache_memlimit 64 noreply\r\nstats detail on\r\nstats detail off\r\n"
            + "extstore item_size 512\r\nget a\r\n");

        // Connection-closing rules.
        s.Add(new Sequence("http-request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", ClosesItself: true));
        s.Add(new Sequence("quit-mid-pipeline", "set q 0 0 1\r\nx\r\nget q\r\nquit\r\nget q\r\n", ClosesItself: true));
        s.Add(new Sequence("line-too-long", new string('a', 4000), ClosesItself: true));

        // Generated: each storage verb with noreply and without, and edge numbers.
        foreach (var verb in new[] { "set", "add", "replace", "append", "prepend" })
        {
            Add($"gen-{verb}", $"{verb} g-{verb} 7 0 4\r\nabcd\r\nget g-{verb}\r\n");
            Add($"gen-{verb}-noreply", $"{verb} g-{verb} 8 0 2 noreply\r\nxy\r\ngets g-{verb}\r\n");
            Add($"gen-{verb}-bad-chunk", $"{verb} g-{verb} 0 0 2\r\nxyz\r\n");
            Add($"gen-{verb}-tokens", $"{verb} g-{verb} 0\r\n");
        }
        foreach (var n in new[] { "0", "1", "2147483647", "2147483648", "4294967296", "99999999999999999999", "1\t", "\t1", "1x" })
        {
            Add($"gen-bytes-{n.Replace('\t', 'T')}", $"set gb 0 0 {n}\r\nz\r\n");
        }
        return s;
    }
}
