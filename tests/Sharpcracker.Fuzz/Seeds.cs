using System.Buffers.Binary;
using System.Text;
using Sharpcracker.IntegrationTests.Differential;

namespace Sharpcracker.Fuzz;

/// <summary>
/// Writes the seed inputs, DIR/TARGET/seed-NAME, from the differential corpora (the same requests
/// the differential tests send to memcached and redis-server), the regression corpus
/// FuzzCorpus.txt, conf/*.yml and a few replies of each reply grammar. Run from the repository root
/// (./scripts/fuzz --seed). Seeds stay named; what AFL adds is kept as min-HASH.
/// </summary>
internal static class Seeds
{
    private const int MaxSeedBytes = 8 * 1024;

    public static void Write(string dir)
    {
        var seeds = new Dictionary<string, Dictionary<string, byte[]>>();
        void Add(string target, string name, byte[] bytes)
        {
            if (bytes.Length > MaxSeedBytes)
            {
                return; // a few MB values: slow to mutate, and the kept corpus stays small
            }
            if (!seeds.TryGetValue(target, out var files))
            {
                seeds[target] = files = [];
            }
            files[name] = bytes;
        }
        static byte[] L(string s) => Encoding.Latin1.GetBytes(s);
        static byte[] Flag(byte flags, byte[] rest) => [flags, .. rest];

        foreach (var s in MemcachedCorpus.All)
        {
            Add("mc-text", s.Name, L(s.Text));
        }
        var n = 0;
        foreach (var line in File.ReadAllLines("tests/Sharpcracker.IntegrationTests/Differential/FuzzCorpus.txt"))
        {
            if (line.Length > 0 && line[0] != '#')
            {
                Add("mc-text", $"regression-{++n}", Unescape(line));
            }
        }
        foreach (var s in MetaCorpus.All.Where(s => s.Text.StartsWith('m')))
        {
            Add("mc-meta", s.Name, L(s.Text[1..]));
        }
        foreach (var s in BinaryCorpus.All)
        {
            Add("mc-binary", s.Name, Flag(0, s.Bytes));
        }
        var sasl = BinaryCorpus.All.First(s => s.Name.Contains("set", StringComparison.Ordinal)).Bytes;
        Add("mc-binary", "sasl-unauthenticated", Flag(1, [.. SaslAuth("PLAIN", "\0user\0pass"), .. sasl]));
        Add("mc-binary", "sasl-authenticated", Flag(3, [.. SaslAuth("PLAIN", "\0user\0pass"), .. sasl]));
        Add("mc-binary", "small-limit", Flag(4, sasl));

        var commands = RedisCorpus.All.Concat(Resp3Corpus.Extra).ToList();
        for (var i = 0; i < commands.Count; i += 6)
        {
            var group = commands.Skip(i).Take(6).ToList();
            var multibulk = group.SelectMany(c => Multibulk(c.Args)).ToArray();
            Add("resp-request", $"corpus-{i / 6:000}", Flag((byte)(i % 4 == 0 ? 0 : (i / 6) % 4), multibulk));
        }
        Add("resp-request", "inline", Flag(0, L("PING\r\nSET k \"a\\x41\\n\" 'it\\'s'\r\nGET k\n\r\n")));
        Add("resp-request", "empty-arrays", Flag(0, L("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n")));
        Add("resp-request", "errors", Flag(0, L("*1\r\n:4\r\n")));
        Add("resp-request", "unauthenticated", Flag(1, L("*11\r\n$1\r\na\r\n")));

        Add("mc-reply", "line-stored", Flag(0, L("STORED\r\nNOT_STORED\r\n")));
        Add("mc-reply", "line-error", Flag(0, L("SERVER_ERROR out of memory\r\n")));
        Add("mc-reply", "get-hit", Flag(1, L("VALUE k 0 5\r\nhello\r\nVALUE k2 7 3 99\r\nabc\r\nEND\r\n")));
        Add("mc-reply", "get-miss", Flag(1, L("END\r\n")));
        Add("mc-reply", "get-error", Flag(1, L("CLIENT_ERROR bad data chunk\r\n")));
        Add("mc-reply", "meta-value", Flag(2, L("VA 2 f1 s2\r\nhi\r\nEN\r\n")));
        Add("mc-reply", "meta-quiet-miss", Flag(3, L("EN\r\nHD\r\n")));
        Add("mc-reply", "meta-quiet-stored", Flag(4, L("HD\r\nNS\r\n")));
        Add("mc-reply", "meta-quiet-success", Flag(5, L("VA 1\r\n5\r\nNF\r\n")));
        Add("mc-reply", "meta-sentinel", Flag(6, L("HD c7\r\nMN\r\nMN\r\n")));

        Add("mc-binary-reply", "get-hit", Flag(0x00, Response(0x00, extras: 4, value: "hello")));
        Add("mc-binary-reply", "set-ok", Flag(0x01, [.. Response(0x01), .. Response(0x01, status: 2)]));
        Add("mc-binary-reply", "version", Flag(0x0b, Response(0x0b, value: "1.6.18")));
        Add("mc-binary-reply", "stat-stream", Flag(0x10, [.. Response(0x10, key: "pid", value: "42"), .. Response(0x10)]));

        Add("resp-reply", "resp2", L("+OK\r\n-ERR x\r\n:12\r\n$5\r\nhello\r\n$-1\r\n*2\r\n$1\r\na\r\n*-1\r\n"));
        Add("resp-reply", "nested", L("*3\r\n*1\r\n:1\r\n*0\r\n$0\r\n\r\n"));
        Add("resp-reply", "resp3", L("_\r\n#t\r\n,1.5\r\n(123456789012345678901234567890\r\n=15\r\ntxt:Some string\r\n!3\r\nerr\r\n"));
        Add("resp-reply", "resp3-aggregates", L("%1\r\n+k\r\n:1\r\n~2\r\n+a\r\n+b\r\n>2\r\n+message\r\n+hi\r\n|1\r\n+ttl\r\n:3\r\n+v\r\n"));

        foreach (var file in Directory.GetFiles("conf", "*.yml"))
        {
            Add("config-yaml", Path.GetFileNameWithoutExtension(file), File.ReadAllBytes(file));
        }
        Add("config-yaml", "vbucket-map", L("pool:\n  listen: 127.0.0.1:22121\n  distribution: vbucket\n  vbucket_map: [[0, 1], [1, 0]]\n  servers:\n    - 127.0.0.1:11211:1\n    - 127.0.0.1:11212:1\n"));
        Add("config-yaml", "sentinels", L("rd:\n  listen: 127.0.0.1:22122\n  redis: true\n  read_policy: prefer_replica\n  sentinels:\n    - 127.0.0.1:26379:1\n  sentinel_auth: secret\n  servers:\n    - 127.0.0.1:6379:1 mymaster\n"));
        Add("config-yaml", "tls-and-auth", L("mc:\n  listen: 127.0.0.1:22123\n  auth_file: users\n  memcache_protocol: binary\n  tls_cert_file: a.crt\n  tls_key_file: a.key\n  server_tls: true\n  servers:\n    - 127.0.0.1:11211:1\n"));
        Add("config-yaml", "fork-layout", L("global:\n  worker_processes: 2\npools:\n  a:\n    listen: 127.0.0.1:22124\n    hash_tag: \"{}\"\n    servers:\n      - 127.0.0.1:11211:1 s1\n"));

        Add("vbucket-json", "server-map", L("{\"hashAlgorithm\":\"CRC\",\"numReplicas\":1,\"serverList\":[\"127.0.0.1:11211\",\"127.0.0.1:11212\"],\"vBucketMap\":[[0,1],[1,0],[0,-1],[1,-1]]}"));
        Add("vbucket-json", "bucket-config", L("{\"name\":\"default\",\"vBucketServerMap\":{\"serverList\":[\"localhost:11211\"],\"vBucketMap\":[[0]]}}"));
        Add("vbucket-json", "no-server-list", L("{\"vBucketMap\":[[0],[1],[2],[3]], /* comment */ }"));

        Add("auth-file", "memcached", L("user:password\nother:pa:ss\r\n"));
        Add("auth-file", "redis", L("# users\n\nalice:secret\n@readonly bob carol\nbob:pw\n"));
        Add("auth-file", "nul-and-cr", L("u:p\0rest\nv:q\rx\n"));

        foreach (var (target, files) in seeds)
        {
            var folder = Path.Combine(dir, target);
            Directory.CreateDirectory(folder);
            foreach (var old in Directory.GetFiles(folder, "seed-*"))
            {
                File.Delete(old);
            }
            foreach (var (name, bytes) in files)
            {
                File.WriteAllBytes(Path.Combine(folder, "seed-" + string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-'))), bytes);
            }
            Console.WriteLine($"{target}: {files.Count} seeds");
        }
    }

    private static IEnumerable<byte> Multibulk(string[] args)
    {
        var text = new StringBuilder($"*{args.Length}\r\n");
        foreach (var a in args)
        {
            text.Append($"${Encoding.UTF8.GetByteCount(a)}\r\n{a}\r\n");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] SaslAuth(string mechanism, string payload)
        => Sharpcracker.Testing.BinaryPacket.Request(0x21, mechanism, null, payload);

    private static byte[] Response(byte opcode, ushort status = 0, byte extras = 0, string key = "", string value = "")
    {
        var packet = new byte[24 + extras + key.Length + value.Length];
        packet[0] = 0x81;
        packet[1] = opcode;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)key.Length);
        packet[4] = extras;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), status);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), (uint)(packet.Length - 24));
        Encoding.Latin1.GetBytes(key + value, packet.AsSpan(24 + extras));
        return packet;
    }

    /// <summary>FuzzCorpus.txt's escapes: \r \n \t \0 \\ \xHH.</summary>
    private static byte[] Unescape(string line)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] != '\\' || i + 1 >= line.Length)
            {
                bytes.Add((byte)line[i]);
                continue;
            }
            var c = line[++i];
            switch (c)
            {
                case 'r': bytes.Add((byte)'\r'); break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case '0': bytes.Add(0); break;
                case 'x' when i + 2 < line.Length:
                    bytes.Add(Convert.ToByte(line.Substring(i + 1, 2), 16));
                    i += 2;
                    break;
                default: bytes.Add((byte)c); break;
            }
        }
        return [.. bytes];
    }
}
