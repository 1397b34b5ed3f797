using Sharpcracker.Protocols.Memcached;

namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// Meta-protocol request sequences (valid and malformed) whose replies must be byte-identical
/// from memcached 1.6.18 itself and from Sharpcracker in front of it. Same rules as
/// <see cref="MemcachedCorpus"/>: one fresh connection per sequence, "quit" appended, sequences
/// run in order so server state evolves identically on both sides.
/// </summary>
public static class MetaCorpus
{
    public static IReadOnlyList<MemcachedCorpus.Sequence> All { get; } = Build();

    /// <summary>The meta commands (one request line each) the corpus sends; the issue asks for at least 80.</summary>
    public static int MetaCommandCount { get; } = All.Sum(s => s.Text.Split('\n').Count(l => l.Length > 2 && l[0] == 'm' && l[2] == ' ' || l.StartsWith("mn", StringComparison.Ordinal)));

    private static string B64(string s) => McBase64.Encode(System.Text.Encoding.Latin1.GetBytes(s));

    private static List<MemcachedCorpus.Sequence> Build()
    {
        var s = new List<MemcachedCorpus.Sequence>();
        void Add(string name, string text) => s.Add(new MemcachedCorpus.Sequence(name, text));
        var k251 = new string('k', 251);
        var k250 = new string('k', 250);
        var longOpaque = "O" + new string('9', 33);
        var maxOpaque = "O" + new string('8', 31);

        // ms basics and modes.
        Add("ms-basic", "ms m1 5\r\nhello\r\nmg m1 v\r\n");
        Add("ms-flags-ttl", "ms m2 3 F123 T0\r\nabc\r\nmg m2 v f t s\r\n");
        Add("ms-empty", "ms m3 0\r\n\r\nmg m3 v s\r\n");
        Add("ms-value-with-crlf", "ms m4 6\r\na\r\nb\r\n\r\nmg m4 v\r\n");
        Add("ms-return-key-opaque", "ms m5 2 k O77 c\r\nhi\r\n");
        Add("ms-mode-add-existing", "ms m1 1 ME\r\nz\r\nmg m1 v\r\n");
        Add("ms-mode-add-new", "ms m6 2 ME\r\nzz\r\nmg m6 v\r\n");
        Add("ms-mode-replace-missing", "ms nokey1 1 MR\r\nz\r\n");
        Add("ms-mode-replace-existing", "ms m6 3 MR\r\nnew\r\nmg m6 v\r\n");
        Add("ms-mode-append", "ms m6 3 MA\r\n+ap\r\nmg m6 v\r\n");
        Add("ms-mode-prepend", "ms m6 3 MP\r\npr+\r\nmg m6 v\r\n");
        Add("ms-mode-append-missing", "ms nokey2 1 MA\r\nz\r\n");
        Add("ms-mode-set", "ms m7 1 MS\r\ns\r\nmg m7 v\r\n");
        Add("ms-cas-mismatch", "ms m7 1 C999999\r\nz\r\nmg m7 v\r\n");
        Add("ms-cas-missing", "ms nokey3 1 C99999\r\nz\r\n");
        Add("ms-cas-match", "ms m8 1 c\r\na\r\nmg m8 c\r\n");
        Add("ms-invalidate", "ms m9 1\r\na\r\nmd m9 I T30\r\nmg m9 v c\r\nms m9 1 C1 I\r\nb\r\nmg m9 v\r\n");
        Add("ms-text-interop", "ms m10 2 F7\r\nhi\r\nget m10\r\nset m11 9 0 2\r\nyo\r\nmg m11 v f\r\n");
        Add("ms-max-opaque", $"ms m12 1 {maxOpaque}\r\nx\r\n");

        // ms errors.
        Add("ms-no-key", "ms\r\n");
        Add("ms-no-length", "ms m1\r\n");
        Add("ms-bad-length", "ms m1 x\r\nhi\r\n");
        Add("ms-negative-length", "ms m1 -1\r\nhi\r\n");
        Add("ms-key-too-long", $"ms {k251} 2\r\nhi\r\n");
        Add("ms-key-250", $"ms {k250} 2\r\nhi\r\nmg {k250} v\r\n");
        Add("ms-bad-data-chunk", "ms m13 2\r\nhiXY\r\nmg m13 v\r\n");
        Add("ms-bad-data-chunk-keeps-old", "ms m14 1\r\nA\r\nms m14 2\r\nBBBB\r\nmg m14 v\r\n");
        Add("ms-bad-data-chunk-quiet", "ms m15 2 q\r\nhiXYmn\r\n");
        Add("ms-invalid-flag", "ms m1 2 x\r\nhi\r\nmn\r\n");
        Add("ms-duplicate-flag", "ms m1 2 T1 T2\r\nhi\r\nmn\r\n");
        Add("ms-high-byte-flag", "ms m1 2 \u00e9\r\nhi\r\nmn\r\n");
        Add("ms-bad-ttl", "ms m1 2 Tx\r\nhi\r\nmn\r\n");
        Add("ms-bad-flags", "ms m1 2 Fx\r\nhi\r\nmn\r\n");
        Add("ms-bad-cas", "ms m1 2 Cx\r\nhi\r\nmn\r\n");
        Add("ms-bad-mode", "ms m1 2 Mz\r\nhi\r\nmn\r\n");
        Add("ms-mode-length", "ms m1 2 MSS\r\nhi\r\nmn\r\n");
        Add("ms-opaque-too-long", $"ms m1 2 {longOpaque}\r\nhi\r\nmn\r\n");
        Add("ms-opaque-and-mode", $"ms m1 2 {longOpaque} Mz\r\nhi\r\nmn\r\n");
        Add("ms-bad-f-then-mode", "ms m1 2 c Mx Fx\r\nhi\r\nmn\r\n");
        Add("ms-1.6.18-rejects-E", "ms m1 2 E5\r\nhi\r\nmn\r\n");
        Add("ms-1.6.18-rejects-s", "ms m1 2 s\r\nhi\r\nmn\r\n");
        Add("ms-too-many-flags", "ms m1 2 a b c d e f g h i j l m n o p r s\r\nhi\r\n");
        Add("ms-error-swallows-crlf-data", "ms m1 4 x\r\nmn\r\nmg m1 v\r\n");
        Add("ms-error-then-text", "ms m1 3 Tx\r\nabc\r\nget m1\r\n");

        // mg flags.
        Add("mg-hit-all-flags", "ms g1 4 F42 T0\r\ndata\r\nmg g1 v f t c s k O123 h\r\n");
        Add("mg-hit-no-value", "mg g1 s k\r\n");
        Add("mg-hit-hit-before", "mg g1 h\r\nmg g1 h u\r\n");
        Add("mg-miss", "mg nog1 v\r\n");
        Add("mg-miss-opaque-key", "mg nog1 v O5 k\r\n");
        Add("mg-touch", "ms g2 1 T1000\r\nx\r\nmg g2 T0 v\r\nmg g2 t\r\n");
        Add("mg-vivify", "mg g3 N30 v c\r\nmg g3 N30 v\r\nms g3 1 C99999\r\nz\r\n");
        Add("mg-recache", "ms g4 1 T0\r\nx\r\nmg g4 R30 v\r\n");
        Add("mg-proxy-hints", "mg g1 v Pfoo Lbar\r\n");
        Add("mg-no-bump", "mg g1 u v\r\n");
        Add("mg-max-opaque", $"mg g1 {maxOpaque} v\r\n");
        Add("mg-only-key", "mg g1\r\nmg nog2\r\n");
        Add("mg-extra-spaces", "mg   g1   v    f  \r\n");
        Add("mg-bare-newline", "mg g1 v\nmn\n");
        Add("mg-nul-in-line", "mg g1 v\0 junk\r\n");

        // mg errors.
        Add("mg-no-key", "mg\r\n");
        Add("mg-key-too-long", $"mg {k251} v\r\n");
        Add("mg-duplicate-flag", "mg g1 v v\r\n");
        Add("mg-invalid-flag", "mg g1 x\r\n");
        Add("mg-1.6.18-rejects-E", "mg g1 E5\r\n");
        Add("mg-high-byte", "mg g1 \u00c3\r\n");
        Add("mg-bad-vivify", "mg g1 N\r\n");
        Add("mg-bad-ttl", "mg g1 Tx v\r\n");
        Add("mg-bad-recache", "mg g1 R-\r\n");
        Add("mg-bad-f-then-n", "mg g1 Fx Nx\r\n");
        Add("mg-bad-f", "mg g1 Fx\r\n");
        Add("mg-mode-length", "mg g1 Mxx\r\n");
        Add("mg-bad-initial", "mg g1 Jx\r\n");
        Add("mg-bad-delta", "mg g1 Dx\r\n");
        Add("mg-too-many-flags", "mg g1 a b c d e f g h i j l m n o p r s t\r\n");
        Add("mg-nineteen-tokens", "mg g1 v f t s k c h u l O1 P1 L1 I q T0 N0 R0\r\nmn\r\n");
        Add("mg-opaque-too-long-hit", $"mg g1 v {longOpaque}\r\n");
        Add("mg-opaque-too-long-miss", $"mg nog3 v {longOpaque}\r\n");
        Add("mg-opaque-too-long-quiet", $"mg nog3 v q {longOpaque}\r\nmn\r\n");

        // Base64 keys.
        var binKey = B64("bin\u0001key\u00ff");
        Add("b64-set-get", $"ms {binKey} 3 b\r\nbin\r\nmg {binKey} b v k\r\n");
        Add("b64-same-as-text-key", $"ms {B64("plainkey")} 2 b\r\npk\r\nget plainkey\r\nmg plainkey v\r\n");
        Add("b64-text-set-meta-get", $"set textkey 5 0 2\r\ntk\r\nmg {B64("textkey")} b v f k\r\n");
        Add("b64-miss-key-echo", $"mg {B64("nosuchbin")} b v k O1\r\n");
        Add("b64-delete", $"md {binKey} b k\r\nmg {binKey} b v\r\n");
        Add("b64-arith", $"ma {B64("bcount")} b N0 J7 v k\r\nma {B64("bcount")} b v\r\n");
        Add("b64-bad", "mg !!!! b v\r\n");
        Add("b64-bad-length", "mg abc b v\r\n");
        Add("b64-too-much-padding", "mg A=== b v\r\n");
        Add("b64-junk-skipped", "ms Zm9v!! 2 b\r\nhi\r\nmg Zm9v b v k\r\n");
        Add("b64-padding", "ms YQ== 1 b\r\nA\r\nmg a v\r\nms YWI= 1 b\r\nB\r\nmg ab v\r\n");
        Add("b64-duplicate", "mg YQ== b b\r\n");
        Add("b64-me", $"me {binKey} b\r\nme !!!! b\r\n");

        // md.
        Add("md-hit", "ms d1 1\r\nx\r\nmd d1\r\nmd d1\r\n");
        Add("md-opaque-key", "ms d2 1\r\nx\r\nmd d2 O9 k\r\nmd d2 O10 k\r\n");
        Add("md-cas-mismatch", "ms d3 1\r\nx\r\nmd d3 C99999\r\nmg d3 v\r\n");
        Add("md-invalidate-ttl", "ms d4 1\r\nx\r\nmd d4 I T30\r\nmg d4 v\r\nmg d4 v\r\n");
        Add("md-quiet", "ms d5 1\r\nx\r\nmd d5 q\r\nmd d5 q\r\nmd d5 q O1\r\nmn\r\n");
        Add("md-quiet-invalidate", "ms d6 1\r\nx\r\nmd d6 q I T10\r\nmg d6 v\r\nmn\r\n");
        Add("md-errors", $"md\r\nmd {k251}\r\nmd d1 x\r\nmd d1 k k\r\nmd d1 Tx\r\nmd d1 {longOpaque}\r\nmd d1 a b c d e f g h i j l m n o p r s t\r\n");
        Add("md-1.6.18-rejects-x", "md d1 x\r\n");

        // ma, every mode.
        Add("ma-incr-default", "ms a1 2\r\n10\r\nma a1\r\nma a1 v\r\nmg a1 v\r\n");
        Add("ma-modes", "ms a2 3\r\n100\r\nma a2 MI v\r\nma a2 M+ D5 v\r\nma a2 MD v\r\nma a2 M- D10 v\r\n");
        Add("ma-decr-floor", "ms a3 1\r\n5\r\nma a3 MD D100 v\r\n");
        Add("ma-incr-wrap", "ms a4 20\r\n18446744073709551615\r\nma a4 v\r\n");
        Add("ma-miss", "ma noa1\r\nma noa1 v O3 k\r\n");
        Add("ma-autoviv", "ma a5 N0 J42 v\r\nma a5 N0 J42 v\r\nma a6 N0 v t\r\n");
        Add("ma-autoviv-decr", "ma a7 N0 J3 MD v\r\nma a7 N0 J3 MD v\r\n");
        Add("ma-cas", "ms a8 1 c\r\n1\r\nma a8 C99999 v\r\n");
        Add("ma-ttl", "ms a9 1\r\n1\r\nma a9 T0 t v\r\n");
        Add("ma-non-numeric", "ms a10 3\r\nabc\r\nma a10 v\r\n");
        Add("ma-opaque-too-long", $"ms a11 1\r\n1\r\nma a11 {longOpaque}\r\nmg a11 v\r\n");
        Add("ma-errors", $"ma\r\nma {k251}\r\nma a1 Mz\r\nma a1 Dx\r\nma a1 Jx\r\nma a1 v v\r\nma a1 MII\r\nma a1 a b c d e f g h i j l m n o p r s t\r\n");
        Add("ma-text-interop", "set a12 0 0 1\r\n9\r\nma a12 v\r\nincr a12 1\r\nmg a12 v\r\n");

        // Quiet pipelines ending in mn.
        Add("q-mg-pipeline", "ms q1 1\r\n1\r\nms q3 1\r\n3\r\nmg q1 v q O1\r\nmg q2 v q O2\r\nmg q3 v q k O3\r\nmg q4 q O4\r\nmn\r\n");
        Add("q-mg-hit-no-value", "mg q1 q\r\nmg q1 q k\r\nmn\r\n");
        Add("q-ms-pipeline", "ms q5 1 q\r\na\r\nms q5 1 q ME\r\nb\r\nms q5 1 q C99999\r\nc\r\nms noq 1 q MR\r\nd\r\nms q5 1 q O7\r\ne\r\nmn\r\nmg q5 v\r\n");
        Add("q-ma-pipeline", "ms q6 1\r\n5\r\nma q6 q\r\nma q6 q v\r\nma noq2 q\r\nma noq2 q v O2\r\nma q6 q C99999\r\nmn\r\nmg q6 v\r\n");
        Add("q-ma-autoviv", "ma q7 q N0 J5 v\r\nma q7 q N0 J5 v\r\nma q7 q N0\r\nmn\r\nmg q7 v\r\n");
        Add("q-ma-autoviv-opaque", "ma q8 q N0 O1 k\r\nma q8 q N0 O2 k\r\nmn\r\n");
        Add("q-mixed-text", "ms q9 1 q\r\nx\r\nget q9\r\nmg q9 v q\r\nset q10 0 0 1 noreply\r\ny\r\nmg q10 v q\r\nmg noq3 q\r\nmn\r\n");
        Add("q-errors-not-hidden", "mg q1 q x\r\nms q1 1 q Tx\r\nz\r\nmd q1 q x\r\nma q1 q Mz\r\nmn\r\n");
        Add("q-first-char", "mg noq4 v quiet\r\nmn\r\n");
        Add("q-me-ignored", "me noq5 q\r\nmn\r\n");
        Add("mn-args", "mn\r\nmn 1 2 3\r\n");
        Add("mn-only", "mn\r\nmn\r\nmn\r\n");

        // me and unknown meta verbs.
        Add("me-hit", "ms e1 1 T0\r\nx\r\nme e1\r\n");
        Add("me-miss", "me noe1\r\n");
        Add("me-no-key", "me\r\n");
        Add("me-key-too-long", $"me {k251}\r\n");
        Add("me-extra-tokens", "me e1 x y z\r\n");
        Add("meta-unknown-verb", "mz k\r\nmx\r\nmgx k\r\nMG k\r\n");

        // Edge numbers and flag shapes.
        Add("edge-tab-after-length", "ms x2 2\t\r\nhi\r\nmg x2 v\r\n");
        Add("edge-plus-length", "ms x3 +2\r\nhi\r\nmg x3 v\r\n");
        Add("edge-negative-client-flags", "ms x5 2 F-1\r\nhi\r\nmg x5 f v\r\n");
        Add("edge-client-flags-wrap", "ms x6 2 F4294967296\r\nhi\r\nmg x6 f\r\nms x7 2 F4294967295\r\nhi\r\nmg x7 f\r\n");
        Add("edge-delta-overflow", "ma x8 N0 D18446744073709551616\r\nma x8 N0 D18446744073709551615 v\r\nma x8 v\r\n");
        Add("edge-negative-ttl", "ms x9 1\r\nz\r\nmg x9 T-1 v\r\nmg x9 v\r\n");
        Add("edge-me-b-undecodable", "me x10 b\r\n");
        Add("edge-tab-in-verb", "mn\tx\r\nmg\tk\r\n");
        Add("edge-flag-with-junk", "mg g1 vv\r\nmg g1 vxyz f\r\nms x24 1 MEx\r\nz\r\nms x24 1 M\r\nz\r\n");
        Add("q-vivify-win-token", "mg x12 N0 q v\r\nmg x12 N0 q v\r\nmg x13 N0 q\r\nmg x13 q\r\nmn\r\n");
        Add("q-md-cas-miss", "md x14 q C5\r\nmn\r\n");
        Add("q-ma-cas-mismatch", "ms x15 1\r\n5\r\nma x15 q C99999 v\r\nmn\r\n");
        Add("q-ma-sentinel-error", $"ma x16 q N0 MD D5 v {longOpaque}\r\nma x16 q N0 {longOpaque}\r\nmn\r\n");
        Add("q-ms-append-missing", "ms x18 3 MA q\r\nabc\r\nms x18 3 MP q\r\nabc\r\nmn\r\n");
        Add("q-b64-key-echo", "ms eDIw 1 b k O1\r\nz\r\nmd eDIw b k q\r\nmd eDIw b k q\r\nmn\r\n");

        // Large values: streamed through, framed by length on the way back; too large is the backend's answer.
        var big = new string('v', 600_000);
        Add("ms-large-value", $"ms big1 {big.Length} T0\r\n{big}\r\nmg big1 s v\r\nmg big1 s\r\n");
        var huge = new string('h', 2_000_000);
        Add("ms-too-large", $"ms big2 {huge.Length}\r\n{huge}\r\nmg big2 s\r\nmn\r\n");
        Add("ms-too-large-quiet", $"ms big1 {huge.Length} q\r\n{huge}\r\nmg big1 s q\r\nmn\r\n");

        // Generated: many keys, so that with three backends every server gets its share.
        for (var i = 0; i < 30; i++)
        {
            Add($"gen-key-{i}", $"ms gk{i} 1 T0 F{i} O{i}\r\nx\r\nmg gk{i} v f k q\r\nma gc{i} N0 J{i} v\r\nma gc{i} q v\r\nmd gk{i} q\r\nmg gk{i} q\r\nmn\r\n");
        }
        return s;
    }
}
