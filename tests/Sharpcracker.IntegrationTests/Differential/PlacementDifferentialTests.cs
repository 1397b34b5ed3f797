using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// Differential placement test against the real twemproxy (Debian <c>nutcracker</c> 0.5.0): the same pool
/// (hash, distribution, weights, names, hash_tag) is run by nutcracker and by Sharpcracker over the same
/// memcached instances, thousands of random keys are stored through each, and each memcached is then asked
/// directly which keys it holds. The server (as an index into the YAML server list) must be identical key
/// for key. See docs/compatibility-placement.md.
/// </summary>
/// <remarks>
/// Both proxies share one set of backends so unnamed servers (named "127.0.0.1:port" by twemproxy) have the
/// same names on both sides. Nutcracker stores value "n&lt;i&gt;" for key i and the backends are read; then
/// Sharpcracker stores "s&lt;i&gt;" and they are read again. A key Sharpcracker sends elsewhere leaves a stale
/// "n" copy behind, which the second read ignores.
/// </remarks>
public sealed class PlacementDifferentialTests(ITestOutputHelper output)
{
    private const int RandomKeys = 2000;
    private static readonly TimeSpan s_phaseTimeout = TimeSpan.FromSeconds(30);

    private static readonly string[] s_hashes =
    [
        "one_at_a_time", "md5", "crc16", "crc32", "crc32a", "fnv1_64", "fnv1a_64", "fnv1_32", "fnv1a_32", "hsieh", "murmur", "jenkins",
    ];

    private static readonly string[] s_distributions = ["ketama", "modula"];

    /// <summary>(hash, distribution, weights, names or "-", hash_tag or "-"); the weight count is the server count.</summary>
    public static TheoryData<string, string, string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string, string, string>();
        foreach (var distribution in s_distributions)
        {
            // Every hash, 3 equal unnamed servers.
            foreach (var hash in s_hashes)
            {
                data.Add(hash, distribution, "1,1,1", "-", "-");
            }
            // Every hash with unequal weights and explicit names listed out of name order.
            foreach (var hash in s_hashes)
            {
                data.Add(hash, distribution, "1,3,7", "zz,a,mmm", "-");
            }
            // hash_tag "{}".
            foreach (var hash in new[] { "fnv1a_64", "md5", "murmur", "crc16", "hsieh", "jenkins", "crc32a", "one_at_a_time" })
            {
                data.Add(hash, distribution, "1,1,1", "-", "{}");
            }
            // Unequal weights without names (ketama then hashes "127.0.0.1:port").
            foreach (var hash in new[] { "md5", "fnv1a_64", "crc32a", "murmur" })
            {
                data.Add(hash, distribution, "5,1,2,3", "-", "-");
            }
            // Server counts 1, 2 and 10.
            foreach (var hash in new[] { "md5", "fnv1a_64" })
            {
                data.Add(hash, distribution, "1", "-", "-");
            }
            foreach (var hash in new[] { "md5", "fnv1a_64", "crc32", "hsieh" })
            {
                data.Add(hash, distribution, "1,1", "-", "-");
            }
            foreach (var hash in new[] { "md5", "murmur", "jenkins" })
            {
                data.Add(hash, distribution, "1,2,3,1,5,1,8,2,1,13", "node-9,n1,alpha,z,node-10,b2,cache,x,yy,m", "-");
            }
            foreach (var hash in new[] { "fnv1a_64", "one_at_a_time", "crc32a" })
            {
                data.Add(hash, distribution, "1,1,1,1,1,1,1,1,1,1", "-", "-");
            }
            // Everything at once.
            data.Add("md5", distribution, "3,1,4,1,5,9,2,6,5,3", "j,i,h,g,f,e,d,c,b,a", "{}");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task KeyLandsOnTheSameServerAsWithNutcracker(string hash, string distribution, string weights, string names, string hashTag)
    {
        var stopwatch = Stopwatch.StartNew();
        var weightList = weights.Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();
        var nameList = names == "-" ? null : names.Split(',');
        var tag = hashTag == "-" ? null : hashTag;
        var keys = GenerateKeys(StableSeed($"{hash}/{distribution}/{weights}/{names}/{hashTag}"), withTags: tag != null);

        using var backends = new ProcessSet();
        for (var i = 0; i < weightList.Length; i++)
        {
            backends.Add(ExternalProcess.StartMemcached());
        }
        var ports = backends.Ports;

        var workDir = Directory.CreateTempSubdirectory("sc-placement-");
        try
        {
            var nutPort = FreePort.Next();
            var configPath = Path.Combine(workDir.FullName, "nutcracker.yml");
            var logPath = Path.Combine(workDir.FullName, "nutcracker.log");
            await File.WriteAllTextAsync(configPath, PoolYaml(nutPort, hash, distribution, tag, ports, weightList, nameList));
            int[] expected;
            using (var nutcracker = StartNutcracker(configPath, logPath, nutPort))
            {
                await StoreAllAsync(nutcracker.Port, keys, 'n', "nutcracker");
                expected = await LocateAsync(ports, keys, 'n');
            }

            var scPort = FreePort.Next();
            int[] actual;
            await using (var proxy = await TestProxy.StartAsync(PoolYaml(scPort, hash, distribution, tag, ports, weightList, nameList), scPort))
            {
                await StoreAllAsync(proxy.Port, keys, 's', "Sharpcracker");
                actual = await LocateAsync(ports, keys, 's');
            }

            var mismatches = Enumerable.Range(0, keys.Count).Where(i => expected[i] != actual[i]).ToList();
            var used = expected.Distinct().Count();
            Assert.True(
                mismatches.Count == 0,
                $"{mismatches.Count} of {keys.Count} keys placed differently; first ones:\n"
                + string.Join("\n", mismatches.Take(8).Select(i =>
                    $"  key #{i} {Show(keys[i])} (len {keys[i].Length}): nutcracker server {expected[i]}, Sharpcracker server {actual[i]}")));

            // The comparison must be able to fail: with md5 (a well-spread hash) every multi-server pool
            // must really spread the keys, so a harness that sees one server for everything is caught.
            if (weightList.Length > 1 && hash == "md5")
            {
                Assert.True(used == weightList.Length, $"md5 placed keys on only {used} of {weightList.Length} servers");
            }
            if (weightList.Length == 1)
            {
                Assert.All(expected, s => Assert.Equal(0, s));
            }
            output.WriteLine($"identical, {keys.Count} keys, {used}/{weightList.Length} servers used, {stopwatch.ElapsedMilliseconds} ms");
        }
        finally
        {
            workDir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RandomDistribution_SpreadsKeysOverAllServers()
    {
        using var backends = new ProcessSet();
        for (var i = 0; i < 3; i++)
        {
            backends.Add(ExternalProcess.StartMemcached());
        }
        var keys = GenerateKeys(StableSeed("random"), withTags: false);
        var port = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync(PoolYaml(port, "md5", "random", null, backends.Ports, [1, 1, 1], null), port);
        await StoreAllAsync(proxy.Port, keys, 's', "Sharpcracker");
        var placement = await LocateAsync(backends.Ports, keys, 's');
        for (var server = 0; server < 3; server++)
        {
            var count = placement.Count(s => s == server);
            // Expected 1/3 each; 20% is far outside any plausible random deviation for 2000 keys.
            Assert.True(count > keys.Count / 5, $"random distribution put only {count} of {keys.Count} keys on server {server}");
        }
    }

    private static string PoolYaml(int listenPort, string hash, string distribution, string? hashTag, IReadOnlyList<int> ports, int[] weights, string[]? names)
    {
        var sb = new StringBuilder();
        sb.Append("placement:\n");
        sb.Append(CultureInfo.InvariantCulture, $"  listen: 127.0.0.1:{listenPort}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  hash: {hash}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  distribution: {distribution}\n");
        if (hashTag != null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  hash_tag: \"{hashTag}\"\n");
        }
        sb.Append("  servers:\n");
        for (var i = 0; i < ports.Count; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"   - 127.0.0.1:{ports[i]}:{weights[i]}");
            if (names != null)
            {
                sb.Append(' ').Append(names[i]);
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static ExternalProcess StartNutcracker(string configPath, string logPath, int port)
    {
        var statsPort = FreePort.Next();
        try
        {
            return ExternalProcess.Start(
                "nutcracker",
                ["-c", configPath, "-s", statsPort.ToString(CultureInfo.InvariantCulture), "-a", "127.0.0.1", "-o", logPath],
                port);
        }
        catch (InvalidOperationException e)
        {
            var log = File.Exists(logPath) ? File.ReadAllText(logPath) : "(no log)";
            throw new InvalidOperationException($"{e.Message}\nconfig:\n{File.ReadAllText(configPath)}\nlog:\n{log}", e);
        }
    }

    /// <summary>Stores every key through the proxy in one pipelined batch, value = marker + index; all must be STORED.</summary>
    private static async Task StoreAllAsync(int port, IReadOnlyList<string> keys, char marker, string who)
    {
        var request = new MemoryStream();
        for (var i = 0; i < keys.Count; i++)
        {
            var value = marker + i.ToString(CultureInfo.InvariantCulture);
            request.Write(Encoding.Latin1.GetBytes($"set {keys[i]} 0 0 {value.Length}\r\n{value}\r\n"));
        }
        using var cts = new CancellationTokenSource(s_phaseTimeout);
        using var client = new RawClient(port);
        var send = client.SendAsync(request.ToArray(), cts.Token);
        var failures = new List<string>();
        for (var i = 0; i < keys.Count; i++)
        {
            var line = await client.ReadLineAsync(cts.Token);
            if (line != "STORED" && failures.Count < 5)
            {
                failures.Add($"key #{i} {Show(keys[i])}: {line}");
            }
        }
        await send;
        Assert.True(failures.Count == 0, $"{who} did not store every key:\n" + string.Join("\n", failures));
    }

    /// <summary>
    /// Asks every backend directly (multi-key gets of 100 keys, pipelined) for every key, and returns for
    /// each key the index of the one backend holding it with this marker's value.
    /// </summary>
    private static async Task<int[]> LocateAsync(IReadOnlyList<int> ports, IReadOnlyList<string> keys, char marker)
    {
        using var cts = new CancellationTokenSource(s_phaseTimeout);
        var found = await Task.WhenAll(ports.Select(p => HeldKeysAsync(p, keys, marker, cts.Token)));
        var placement = Enumerable.Repeat(-1, keys.Count).ToArray();
        var problems = new List<string>();
        for (var server = 0; server < found.Length; server++)
        {
            foreach (var index in found[server])
            {
                if (placement[index] != -1)
                {
                    problems.Add($"key #{index} {Show(keys[index])} '{marker}' is on servers {placement[index]} and {server}");
                }
                placement[index] = server;
            }
        }
        problems.AddRange(Enumerable.Range(0, keys.Count).Where(i => placement[i] == -1)
            .Select(i => $"key #{i} {Show(keys[i])} '{marker}' is on no server"));
        Assert.True(problems.Count == 0, $"{problems.Count} placement problems:\n" + string.Join("\n", problems.Take(8)));
        return placement;
    }

    private static async Task<List<int>> HeldKeysAsync(int port, IReadOnlyList<string> keys, char marker, CancellationToken cancel)
    {
        const int Batch = 100;
        var request = new StringBuilder();
        var batches = 0;
        for (var start = 0; start < keys.Count; start += Batch)
        {
            request.Append("get");
            for (var i = start; i < Math.Min(keys.Count, start + Batch); i++)
            {
                request.Append(' ').Append(keys[i]);
            }
            request.Append("\r\n");
            batches++;
        }
        using var client = new RawClient(port);
        var send = client.SendAsync(Encoding.Latin1.GetBytes(request.ToString()), cancel);
        var held = new List<int>();
        for (var b = 0; b < batches; b++)
        {
            while (true)
            {
                var line = await client.ReadLineAsync(cancel);
                if (line == "END")
                {
                    break;
                }
                // VALUE <key> <flags> <bytes>: keys contain no spaces, so split from the right.
                var parts = line.Split(' ');
                Assert.True(parts.Length == 4 && parts[0] == "VALUE", $"unexpected line from memcached {port}: {Show(line)}");
                var data = Encoding.Latin1.GetString(await client.ReadExactlyAsync(int.Parse(parts[3], CultureInfo.InvariantCulture) + 2, cancel));
                Assert.EndsWith("\r\n", data, StringComparison.Ordinal);
                if (data[0] != marker)
                {
                    continue;
                }
                var index = int.Parse(data.AsSpan(1, data.Length - 3), CultureInfo.InvariantCulture);
                Assert.True(keys[index] == parts[1], $"memcached {port} returned value of key #{index} under key {Show(parts[1])}");
                held.Add(index);
            }
        }
        await send;
        return held;
    }

    /// <summary>
    /// Unique keys of 1–250 bytes from 0x21–0x7e and 0x80–0xff (memcached forbids spaces and control
    /// bytes): half printable only, half with high bytes; mostly short, a quarter up to 250 bytes. With
    /// tags, 800 more keys carry "{tag}" parts drawn from a small set, plus hash-tag edge cases.
    /// </summary>
    private static List<string> GenerateKeys(int seed, bool withTags)
    {
        var rng = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var keys = new List<string>();

        void Add(string key)
        {
            if (key.Length is >= 1 and <= 250 && seen.Add(key))
            {
                keys.Add(key);
            }
        }

        string RandomText(int length, bool highBytes, bool noBraces)
        {
            var chars = new char[length];
            for (var i = 0; i < length; i++)
            {
                char c;
                do
                {
                    c = highBytes && rng.Next(3) == 0 ? (char)rng.Next(0x80, 0x100) : (char)rng.Next(0x21, 0x7f);
                }
                while (noBraces && c is '{' or '}');
                chars[i] = c;
            }
            return new string(chars);
        }

        while (keys.Count < RandomKeys)
        {
            var length = rng.Next(4) == 0 ? rng.Next(1, 251) : rng.Next(1, 33);
            Add(RandomText(length, highBytes: rng.Next(2) == 0, noBraces: false));
        }
        Add(new string('k', 250));
        Add(new string('\u00ff', 250));

        if (withTags)
        {
            var tags = Enumerable.Range(0, 25).Select(_ => RandomText(rng.Next(1, 13), highBytes: rng.Next(2) == 0, noBraces: true)).ToArray();
            var target = keys.Count + 800;
            while (keys.Count < target)
            {
                var prefix = RandomText(rng.Next(0, 20), highBytes: rng.Next(2) == 0, noBraces: true);
                var suffix = RandomText(rng.Next(0, 20), highBytes: rng.Next(2) == 0, noBraces: false);
                Add(prefix + "{" + tags[rng.Next(tags.Length)] + "}" + suffix);
            }
            foreach (var edge in new[] { "{}", "{}x", "x{}", "x{", "}x", "{", "}", "a}b{c}", "{a}{b}", "{{a}}", "a{b", "}{", "{}{x}", "x{y}z{w}", "{\u00e9\u00ff}tail" })
            {
                Add(edge);
            }
        }
        return keys;
    }

    private static int StableSeed(string text)
    {
        var h = 2166136261u;
        foreach (var c in text)
        {
            h = (h ^ c) * 16777619u;
        }
        return (int)(h & 0x7fffffff);
    }

    private static string Show(string key)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in key.Length > 48 ? key[..48] : key)
        {
            if (c is >= (char)0x21 and < (char)0x7f and not '\\' and not '"')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
        }
        return sb.Append(key.Length > 48 ? "\"…" : "\"").ToString();
    }

    /// <summary>Backends of one test, all killed on dispose.</summary>
    private sealed class ProcessSet : IDisposable
    {
        private readonly List<ExternalProcess> _processes = [];

        public IReadOnlyList<int> Ports => _processes.Select(p => p.Port).ToList();

        public void Add(ExternalProcess process) => _processes.Add(process);

        public void Dispose()
        {
            foreach (var p in _processes)
            {
                p.Dispose();
            }
        }
    }

    /// <summary>A buffered raw client: whole-batch sends and line/byte reads, all bounded by a token.</summary>
    private sealed class RawClient : IDisposable
    {
        private readonly Socket _socket;
        private readonly byte[] _buffer = new byte[65536];
        private int _start;
        private int _end;

        public RawClient(int port)
        {
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            _socket.Connect("127.0.0.1", port);
        }

        public async Task SendAsync(byte[] bytes, CancellationToken cancel)
        {
            var sent = 0;
            while (sent < bytes.Length)
            {
                sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancel);
            }
        }

        public async Task<string> ReadLineAsync(CancellationToken cancel)
        {
            var scanFrom = _start;
            while (true)
            {
                var at = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf("\r\n"u8);
                if (at >= 0)
                {
                    var line = Encoding.Latin1.GetString(_buffer, _start, scanFrom + at - _start);
                    _start = scanFrom + at + 2;
                    return line;
                }
                scanFrom = Math.Max(_start, _end - 1);
                var shift = _start;
                await FillAsync(cancel);
                scanFrom -= shift - _start;
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int n, CancellationToken cancel)
        {
            while (_end - _start < n)
            {
                await FillAsync(cancel);
            }
            var result = _buffer.AsSpan(_start, n).ToArray();
            _start += n;
            return result;
        }

        /// <summary>Compacts the buffer and receives more; the caller's offsets move down by the old _start.</summary>
        private async Task FillAsync(CancellationToken cancel)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                throw new IOException("reply line longer than the read buffer");
            }
            var r = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancel);
            if (r == 0)
            {
                throw new IOException("connection closed; pending: " + Encoding.Latin1.GetString(_buffer, 0, _end));
            }
            _end += r;
        }

        public void Dispose() => _socket.Dispose();
    }
}
