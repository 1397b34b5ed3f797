using System.Runtime.CompilerServices;
using System.Text;
using Xunit.Abstractions;

namespace Sharpcracker.IntegrationTests.Differential;

/// <summary>
/// Bad input never disturbs good clients: connections send random and mutated protocol bytes
/// while a checker runs a verified set/get workload; every checker reply must be exact, every
/// fuzz connection must end (no hang) once it half-closes, and the proxy must stay up without
/// logging an error. Bounded: 12 s by default, SHARPCRACKER_FUZZ_SECONDS for longer runs.
/// Inputs that ever broke something are kept in FuzzCorpus.txt and replayed every run.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static readonly string[] s_templates =
    [
        "set k1 0 0 5\r\nhello\r\n", "add k2 7 100 3\r\nabc\r\n", "replace k1 0 0 1\r\nz\r\n", "append k1 0 0 2\r\nab\r\n",
        "prepend k1 0 0 2\r\nab\r\n", "cas k1 0 0 1 12345\r\nx\r\n", "get k1\r\n", "get k1 k2 k3 k4 k5 k6\r\n", "gets k1 k2\r\n",
        "gat 10 k1 k2\r\n", "gats 0 k1\r\n", "bget k1\r\n", "incr n 5\r\n", "decr n 1\r\n", "incr n 18446744073709551615\r\n",
        "delete k1\r\n", "delete k1 0\r\n", "delete k1 noreply\r\n", "touch k1 10\r\n", "version\r\n", "verbosity 1\r\n",
        "stats\r\n", "stats items\r\n", "set k 0 0 1 noreply\r\nx\r\n", "set k 0 0 3\r\nabcde\r\n", "set k 0 0 -1\r\n",
        "set k 0 0 99999999999\r\n", "set k 0 0 2000000\r\n", "get " + new string('k', 251) + "\r\n", "mg k1 v\r\n", "ms k1 2\r\nhi\r\n",
        "mn\r\n", "GET / HTTP/1.1\r\n", "shutdown\r\n", "\r\n", "\n", "get\r\n", "set\r\n", "incr\r\n", "quit\r\n",
    ];

    private static string Sanitize(string input)
        // flush_all would wipe the checker's keys; chk: is the checker's key space.
        => input.Replace("flush_all", "flush_alx", StringComparison.Ordinal).Replace("chk:", "chx:", StringComparison.Ordinal);

    public static string Generate(Random random)
    {
        var kind = random.Next(10);
        if (kind == 0)
        {
            var bytes = new byte[random.Next(1, 3000)];
            random.NextBytes(bytes);
            return Sanitize(Encoding.Latin1.GetString(bytes));
        }
        if (kind == 1)
        {
            const string Alphabet = "abcdefgsetgk 0123456789\r\n\r\n-";
            var chars = new char[random.Next(1, 600)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[random.Next(Alphabet.Length)];
            }
            return Sanitize(new string(chars));
        }
        var sb = new StringBuilder();
        var parts = random.Next(1, 6);
        for (var p = 0; p < parts; p++)
        {
            sb.Append(Mutate(s_templates[random.Next(s_templates.Length)], random));
        }
        return Sanitize(sb.ToString());
    }

    private static string Mutate(string template, Random random)
    {
        var chars = new List<char>(template);
        var mutations = random.Next(0, 4);
        for (var m = 0; m < mutations && chars.Count > 0; m++)
        {
            var at = random.Next(chars.Count);
            switch (random.Next(9))
            {
                case 0:
                    chars[at] = (char)(chars[at] ^ (1 << random.Next(8)));
                    break;
                case 1:
                    chars[at] = (char)random.Next(256);
                    break;
                case 2:
                    chars.Insert(at, (char)random.Next(256));
                    break;
                case 3:
                    chars.RemoveRange(at, Math.Min(random.Next(1, 8), chars.Count - at));
                    break;
                case 4:
                    chars.InsertRange(at, chars.GetRange(at, Math.Min(random.Next(1, 20), chars.Count - at)));
                    break;
                case 5:
                    chars.RemoveRange(at, chars.Count - at); // truncated: half a request
                    break;
                case 6:
                    chars.InsertRange(at, random.Next(4) switch { 0 => "-1", 1 => "4294967296", 2 => "99999999999999999999", _ => "0" });
                    break;
                case 7:
                    chars.Insert(at, '\0');
                    break;
                default:
                    chars.InsertRange(at, " noreply");
                    break;
            }
        }
        return new string(chars.ToArray());
    }

    private static async Task SendAndExpectEndAsync(int port, string input, Random random)
    {
        using var connection = new McConnection(port);
        var bytes = Encoding.Latin1.GetBytes(input);
        try
        {
            var cut = bytes.Length > 1 && random.Next(2) == 0 ? random.Next(1, bytes.Length) : bytes.Length;
            await connection.SendAsync(bytes[..cut]);
            if (cut < bytes.Length)
            {
                await connection.SendAsync(bytes[cut..]);
            }
            connection.ShutdownSend();
        }
        catch (System.Net.Sockets.SocketException)
        {
            // The proxy closed first (2 KiB without a line end, HTTP/, quit): allowed.
            return;
        }
        // Half-closed: the proxy answers what it owes and closes; a hang fails here (bounded read).
        await connection.ReadToEndAsync();
    }

    private static async Task CheckerAsync(int port, Func<bool> stop, List<string> failures, Action counted)
    {
        using var connection = new McConnection(port);
        var random = new Random(7);
        var n = 0;
        while (!stop())
        {
            var key = $"chk:{n++}";
            var value = new string((char)('a' + random.Next(26)), random.Next(1, 2000));
            var stored = await connection.RoundTripAsync($"set {key} 3 0 {value.Length}\r\n{value}\r\n", "STORED\r\n");
            var expected = $"VALUE {key} 3 {value.Length}\r\n{value}\r\nEND\r\n";
            var got = await connection.RoundTripAsync($"get {key}\r\n", expected);
            if (stored != "STORED\r\n" || got != expected)
            {
                lock (failures)
                {
                    failures.Add($"checker {key}: {stored.Trim()} / {got[..Math.Min(60, got.Length)]}");
                }
                return;
            }
            if (n > 3)
            {
                var multi = await connection.RoundTripAsync($"get chk:{n - 1} nokey chk:{n - 1}\r\n", $"VALUE chk:{n - 1} 3 {value.Length}\r\n{value}\r\nVALUE chk:{n - 1} 3 {value.Length}\r\n{value}\r\nEND\r\n");
                if (!multi.EndsWith("END\r\n", StringComparison.Ordinal) || multi.Length != 2 * (value.Length + 2 + $"VALUE chk:{n - 1} 3 {value.Length}\r\n".Length) + 5)
                {
                    lock (failures)
                    {
                        failures.Add($"checker multi-get chk:{n - 1}: {multi[..Math.Min(60, multi.Length)]}");
                    }
                    return;
                }
            }
            counted();
        }
    }

    [Fact]
    public async Task RandomAndMutatedInput_CheckerSeesOnlyCorrectReplies_ProxyStaysUp()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("SHARPCRACKER_FUZZ_SECONDS"), out var s) ? s : 12;
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}, {seconds} s");
        using var m1 = ExternalProcess.StartMemcached();
        using var m2 = ExternalProcess.StartMemcached();
        using var proxy = TestProxy.StartMemcachedProcess([m1.Port, m2.Port], "hash: md5\nrequest_size_limit: 1048576\ntimeout: 5000");
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var failures = new List<string>();
        var checks = 0;
        var inputs = 0;
        var checker = CheckerAsync(proxy.Port, () => DateTime.UtcNow > deadline, failures, () => Interlocked.Increment(ref checks));
        var fuzzers = Enumerable.Range(0, 6).Select(f => Task.Run(async () =>
        {
            var random = new Random(seed + f);
            while (DateTime.UtcNow < deadline)
            {
                var input = Generate(random);
                try
                {
                    await SendAndExpectEndAsync(proxy.Port, input, random);
                    Interlocked.Increment(ref inputs);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.Sockets.SocketException)
                {
                    lock (failures)
                    {
                        failures.Add($"{e.GetType().Name} {e.Message} for input \"{FuzzCorpus.Escape(input)}\"");
                    }
                    return;
                }
            }
        })).ToArray();
        await Task.WhenAll(fuzzers.Append(checker));
        output.WriteLine($"{inputs} fuzz inputs, {checks} verified checker rounds");
        Assert.Empty(failures);
        Assert.True(checks > 0 && inputs > 0);
        Assert.False(proxy.Process.HasExited, "the proxy exited");
        Assert.DoesNotMatch(@"(?m)^[0-9: .-]*(fail|crit): ", proxy.Log);
        Assert.DoesNotContain("Unhandled", proxy.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegressionCorpus_EveryInputEndsAndTheProxyKeepsServing()
    {
        using var m1 = ExternalProcess.StartMemcached();
        using var proxy = TestProxy.StartMemcachedProcess([m1.Port], "request_size_limit: 1048576\ntimeout: 5000");
        var random = new Random(1);
        var entries = FuzzCorpus.Load();
        Assert.NotEmpty(entries);
        foreach (var input in entries)
        {
            await SendAndExpectEndAsync(proxy.Port, input, random);
            using var check = new McConnection(proxy.Port);
            Assert.Equal("STORED\r\n", await check.RoundTripAsync("set chk:corpus 0 0 2\r\nok\r\n", "STORED\r\n"));
        }
        Assert.False(proxy.Process.HasExited);
        Assert.DoesNotMatch(@"(?m)^[0-9: .-]*(fail|crit): ", proxy.Log);
    }
}

/// <summary>FuzzCorpus.txt: one input per line, C-style escapes (\r \n \t \0 \\ \xHH); '#' starts a comment line.</summary>
public static class FuzzCorpus
{
    public static string Escape(string input)
    {
        var sb = new StringBuilder();
        foreach (var c in input)
        {
            sb.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                '\\' => "\\\\",
                '"' => "\\x22",
                _ when c < 0x20 || c >= 0x7f => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    public static string Unescape(string line)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] != '\\' || i + 1 == line.Length)
            {
                sb.Append(line[i]);
                continue;
            }
            var e = line[++i];
            switch (e)
            {
                case 'r': sb.Append('\r'); break;
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case '0': sb.Append('\0'); break;
                case 'x':
                    sb.Append((char)Convert.ToInt32(line.Substring(i + 1, 2), 16));
                    i += 2;
                    break;
                default: sb.Append(e); break;
            }
        }
        return sb.ToString();
    }

    public static List<string> Load([CallerFilePath] string source = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(source)!, "FuzzCorpus.txt");
        return File.ReadLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(Unescape).ToList();
    }
}
