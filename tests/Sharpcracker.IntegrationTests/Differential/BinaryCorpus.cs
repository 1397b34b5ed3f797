using static Sharpcracker.Testing.BinaryPacket;

namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// Binary-protocol request sequences (every opcode memcached 1.6.18 handles, quiet runs, errors,
/// malformed packets) whose replies must be byte-identical from memcached itself and through the
/// proxy. Each runs on a fresh connection; unless it ends the connection itself, a QUIT is appended.
/// Each sequence sets the keys it reads.
/// </summary>
public static class BinaryCorpus
{
    public sealed record Sequence(string Name, byte[] Bytes, bool ClosesItself = false);

    public const byte Get = 0x00, Set = 0x01, Add = 0x02, Replace = 0x03, Delete = 0x04, Incr = 0x05, Decr = 0x06,
        Quit = 0x07, Flush = 0x08, GetQ = 0x09, Noop = 0x0a, Version = 0x0b, GetK = 0x0c, GetKQ = 0x0d, Append = 0x0e,
        Prepend = 0x0f, Stat = 0x10, SetQ = 0x11, AddQ = 0x12, ReplaceQ = 0x13, DeleteQ = 0x14, IncrQ = 0x15, DecrQ = 0x16,
        QuitQ = 0x17, FlushQ = 0x18, AppendQ = 0x19, PrependQ = 0x1a, Verbosity = 0x1b, Touch = 0x1c, Gat = 0x1d, GatQ = 0x1e,
        SaslList = 0x20, SaslAuth = 0x21, SaslStep = 0x22, GatK = 0x23, GatKQ = 0x24;

    public static IReadOnlyList<Sequence> All { get; } = Build();

    public static byte[] SetPacket(string key, string value, uint flags = 0, uint opaque = 0, byte opcode = Set, ulong cas = 0, uint exptime = 0)
        => Request(opcode, key, StoreExtras(flags, exptime), value, opaque, cas);

    private static List<Sequence> Build()
    {
        var s = new List<Sequence>();
        void Case(string name, params byte[][] packets) => s.Add(new Sequence(name, Concat(packets)));
        void Closing(string name, params byte[][] packets) => s.Add(new Sequence(name, Concat(packets), ClosesItself: true));
        byte[] G(byte op, string key, uint opaque = 7) => Request(op, key, opaque: opaque);
        var noop = Request(Noop, opaque: 0xfeedface);

        // Retrieval.
        Case("get-miss", G(Get, "bmiss1"));
        Case("getk-miss", G(GetK, "bmiss2"));
        Case("getq-getkq-miss-then-noop", G(GetQ, "bmiss3"), G(GetKQ, "bmiss4"), noop);
        Case("set-get-flags", SetPacket("b1", "hello", 0xdeadbeef, 1), G(Get, "b1", 2), G(GetK, "b1", 3), G(GetQ, "b1", 4), G(GetKQ, "b1", 5), noop);
        Case("empty-value", SetPacket("b2", ""), G(Get, "b2"));
        Case("opaques-echoed", SetPacket("b3", "x", 0, 0), G(Get, "b3", 0), G(Get, "b3", 0xffffffff), G(Get, "b3", 0xffffffff));
        Case("binary-safe-key", SetPacket("a b\r\n", "spacey"), G(Get, "a b\r\n"), G(GetK, "a b\r\n"));
        Case("key-250", SetPacket(new string('k', 250), "long"), G(Get, new string('k', 250)));
        Case("datatype-and-vbucket-ignored", WithByte(SetPacket("b4", "v"), 5, 1), WithByte(G(Get, "b4"), 7, 7));
        Case("value-with-crlf", SetPacket("b5", "a\r\nb\r\n"), G(Get, "b5"));

        // Storage.
        Case("add-new-then-exists", Request(Delete, "b6"), SetPacket("b6", "1", opcode: Add), SetPacket("b6", "2", opcode: Add), G(Get, "b6"));
        Case("addq-exists-visible", SetPacket("b7", "1"), SetPacket("b7", "2", opcode: AddQ, opaque: 9), noop);
        Case("replace-missing", Request(Delete, "b8"), SetPacket("b8", "1", opcode: Replace));
        Case("replaceq-missing-visible", Request(Delete, "b9"), SetPacket("b9", "1", opcode: ReplaceQ, opaque: 11), noop);
        Case("replace-hit", SetPacket("b10", "1"), SetPacket("b10", "2", opcode: Replace), G(Get, "b10"));
        Case("setq-silent", SetPacket("b11", "q", opcode: SetQ, opaque: 3), noop, G(Get, "b11"));
        Case("cas-mismatch", SetPacket("b12", "1"), SetPacket("b12", "2", cas: 1), G(Get, "b12"));
        Case("cas-missing", Request(Delete, "b13"), SetPacket("b13", "2", cas: 12345));
        Case("append-prepend", SetPacket("b14", "mid", 42), Request(Append, "b14", value: "+end"), Request(Prepend, "b14", value: "start+"), G(Get, "b14"));
        Case("appendq-prependq", SetPacket("b15", "m"), Request(AppendQ, "b15", value: "a"), Request(PrependQ, "b15", value: "p"), noop, G(Get, "b15"));
        Case("append-missing", Request(Delete, "b16"), Request(Append, "b16", value: "x"), Request(AppendQ, "b16", value: "x"), Request(Prepend, "b16", value: "x"), noop);
        Case("too-large-value", SetPacket("b17", "old"), SetPacket("b17", new string('v', 1024 * 1024 + 1)), G(Get, "b17"), noop);
        Case("too-large-setq", SetPacket("b18", new string('v', 1024 * 1024 + 1), opcode: SetQ, opaque: 5), noop);

        // Delete.
        Case("delete-hit-miss", SetPacket("b19", "x"), Request(Delete, "b19"), Request(Delete, "b19"));
        Case("deleteq", SetPacket("b20", "x"), Request(DeleteQ, "b20", opaque: 1), Request(DeleteQ, "b20", opaque: 2), noop);
        Case("delete-wrong-cas", SetPacket("b21", "x"), Request(Delete, "b21", cas: 1), G(Get, "b21"));

        // Counters.
        Case("incr-initial-then-delta", Request(Delete, "b22"), Request(Incr, "b22", CounterExtras(5, 100)), Request(Incr, "b22", CounterExtras(5, 100)), G(Get, "b22"));
        Case("decr-floor", SetPacket("b23", "10"), Request(Decr, "b23", CounterExtras(100)), G(Get, "b23"));
        Case("incr-wrap", SetPacket("b24", "18446744073709551615"), Request(Incr, "b24", CounterExtras(1)));
        Case("incr-non-numeric", SetPacket("b25", "abc"), Request(Incr, "b25", CounterExtras(1)), G(Get, "b25"));
        Case("incr-miss-no-create", Request(Delete, "b26"), Request(Incr, "b26", CounterExtras(1, 0, 0xffffffff)), Request(DecrQ, "b26", CounterExtras(1, 0, 0xffffffff)), noop);
        Case("incrq-decrq-silent", SetPacket("b27", "5"), Request(IncrQ, "b27", CounterExtras(3)), Request(DecrQ, "b27", CounterExtras(1)), noop, G(Get, "b27"));
        Case("incr-cas", SetPacket("b28", "1"), Request(Incr, "b28", CounterExtras(1), cas: 99));
        Case("incr-big", SetPacket("b29", "9223372036854775807"), Request(Incr, "b29", CounterExtras(1)), Request(Incr, "b29", CounterExtras(1)), Request(Decr, "b29", CounterExtras(1)));

        // Touch and get-and-touch.
        Case("touch-hit-miss", SetPacket("b30", "t", 3), Request(Touch, "b30", Exptime(1000)), Request(Touch, "b30miss", Exptime(1000)));
        Case("gat-family", SetPacket("b31", "g", 4), Request(Gat, "b31", Exptime(1000), opaque: 1), Request(GatK, "b31", Exptime(1000), opaque: 2),
            Request(GatQ, "b31", Exptime(1000), opaque: 3), Request(GatKQ, "b31", Exptime(1000), opaque: 4), Request(GatQ, "b31miss", Exptime(1000)),
            Request(GatKQ, "b31miss", Exptime(1000)), Request(GatK, "b31miss", Exptime(1000)), noop);

        // Keyless.
        Case("noop", noop);
        Case("version", Request(Version, opaque: 77));
        Case("flush-then-get", SetPacket("b32", "x"), Request(Flush, opaque: 1), G(Get, "b32"));
        Case("flush-delay-extras", SetPacket("b33", "x"), Request(Flush, extras: Exptime(0), opaque: 2), G(Get, "b33"));
        Case("flushq-noop-get", SetPacket("b34", "x"), Request(FlushQ, opaque: 3), noop, G(Get, "b34"));
        Closing("quit-after-gets", SetPacket("b35", "x"), G(Get, "b35"), G(GetQ, "b35"), Request(Quit, opaque: 5));
        Closing("quitq-after-gets", SetPacket("b36", "x"), G(GetK, "b36"), Request(QuitQ, opaque: 5));
        Case("unknown-opcode-exact", Request(0x50, opaque: 8), noop);
        Case("unknown-opcode-value-only", Request(0x50, value: "abcd", opaque: 8), noop);
        Case("verbosity-no-extras", Request(Verbosity, opaque: 9), noop);
        Case("sasl-without-auth", Request(SaslList, opaque: 1), Request(SaslAuth, "PLAIN", value: "\0u\0p", opaque: 2), Request(SaslStep, "PLAIN", value: "x"), noop);
        Case("stat-unknown-subcommand", Request(Stat, "bogus", opaque: 6), noop);
        // STAT groups memcached answers with the empty packet (sent to every server, one reply) or
        // does not know in the binary protocol (conns, extstore, detail <other>): 0x01.
        Case("stat-reset", Request(Stat, "reset", opaque: 21), noop);
        Case("stat-reset-prefix", Request(Stat, "resetx", opaque: 22), noop);
        Case("stat-detail-on-off", Request(Stat, "detail on", opaque: 23), Request(Stat, "detail off", opaque: 24), Request(Stat, "detail onx", opaque: 25), noop);
        Case("stat-detail-unknown", Request(Stat, "detail", opaque: 26), Request(Stat, "detail x", opaque: 27), Request(Stat, "details on", opaque: 28), noop);
        Case("stat-conns-extstore", Request(Stat, "conns", opaque: 29), Request(Stat, "extstore", opaque: 30), Request(Stat, "itemsx", opaque: 31), noop);
        Case("multi-get-spread", Concat([.. Enumerable.Range(0, 40).Select(i => SetPacket("mg" + i, "v" + i, (uint)i, opcode: SetQ))]), noop,
            Concat([.. Enumerable.Range(0, 45).Select(i => G(i % 2 == 0 ? GetQ : GetKQ, "mg" + (i % 42), (uint)i))]), Request(Noop, opaque: 55));
        Case("pipeline-mixed", SetPacket("b37", "1"), G(Get, "b37"), Request(Incr, "b37", CounterExtras(2)), Request(Delete, "b37"), G(GetK, "b37"), Request(Version), noop);

        // Malformed: which errors close the connection, which keep it.
        Closing("key-251", G(Get, new string('k', 251)), noop);
        Closing("key-longer-than-body", Request(Get, "abc", bodyLength: 2), noop);
        Closing("get-with-extras", Request(Get, "abc", Exptime(1)), noop);
        Closing("set-extras-4", Request(Set, "abc", Exptime(1), "v"), noop);
        Closing("get-empty-key", Request(Get), noop);
        Closing("version-with-key", Request(Version, "k"), noop);
        Closing("stat-with-extras", Request(Stat, "", Exptime(1)), noop);
        Closing("incr-extras-8", Request(Incr, "k", StoreExtras()), noop);
        Closing("touch-without-extras", Request(Touch, "k"), noop);
        Closing("noop-with-body", Request(Noop, value: "x"), noop);
        Closing("flush-with-key", Request(Flush, "k"), noop);
        Closing("append-with-extras", Request(Append, "k", Exptime(1), "x"), noop);
        Closing("bad-magic-second-packet", noop, Request(Noop, magic: 0x81), noop);
        Closing("ascii-after-binary", noop, System.Text.Encoding.ASCII.GetBytes("get some-key-to-make-24-bytes\r\n"));
        Closing("sasl-auth-no-key", Request(SaslAuth, value: "x"), noop);
        return s;
    }

    private static byte[] WithByte(byte[] packet, int index, byte value)
    {
        packet[index] = value;
        return packet;
    }
}
