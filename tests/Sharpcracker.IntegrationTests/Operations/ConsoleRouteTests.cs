using System.Diagnostics;
using System.Text;
using Sharpcracker.IntegrationTests.LiveConfig;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.IntegrationTests.Operations;

/// <summary>
/// /route against where keys really land (each backend read directly) for every hash with ketama
/// and modula, a hash_tag pool, a vbucket pool and a random pool; and <c>--route</c> offline
/// against the running proxy's answer, text for text.
/// </summary>
public sealed class ConsoleRouteTests
{
    private static readonly string[] s_hashes =
        ["one_at_a_time", "md5", "crc16", "crc32", "crc32a", "fnv1_64", "fnv1a_64", "fnv1_32", "fnv1a_32", "hsieh", "murmur", "jenkins"];

    private sealed record Pool(string Name, int Port, string Keys);

    /// <summary>Three memcached servers (weights 1, 2, 1) behind one pool per hash and distribution, plus tag, vbucket and random pools.</summary>
    private static (string Yaml, List<Pool> Pools) Config(int[] backends)
    {
        var servers = string.Concat(backends.Select((p, i) => $"    - 127.0.0.1:{p}:{(i == 1 ? 2 : 1)} m{i}\n"));
        var yaml = new StringBuilder();
        var pools = new List<Pool>();
        void Add(string name, string keys)
        {
            var port = FreePort.Next();
            pools.Add(new Pool(name, port, keys));
            yaml.Append(CultureInfo($"{name}:\n  listen: 127.0.0.1:{port}\n{keys}  servers:\n{servers}"));
        }
        foreach (var hash in s_hashes)
        {
            Add($"{hash}_ketama", $"  hash: {hash}\n  distribution: ketama\n");
            Add($"{hash}_modula", $"  hash: {hash}\n  distribution: modula\n");
        }
        Add("tagged", "  hash_tag: \"{}\"\n");
        Add("vb", "  distribution: vbucket\n  vbucket_map: [[0], [1], [2], [1], [2], [0], [1], [2]]\n");
        Add("rnd", "  distribution: random\n");
        return (yaml.ToString(), pools);
    }

    private static string CultureInfo(FormattableString s) => s.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Route_AgreesWithWhereKeysLand_ForEveryHashAndDistribution()
    {
        using var m0 = ExternalProcess.StartMemcached();
        using var m1 = ExternalProcess.StartMemcached();
        using var m2 = ExternalProcess.StartMemcached();
        int[] backends = [m0.Port, m1.Port, m2.Port];
        var (yaml, pools) = Config(backends);
        using var proxy = TestProxy.StartProcess(yaml, null, metrics: true);
        proxy.WaitListening(proxy.MetricsPort);

        var landed = new int[backends.Length];
        foreach (var pool in pools.Where(p => p.Name != "rnd"))
        {
            proxy.WaitListening(pool.Port);
            for (var i = 0; i < 8; i++)
            {
                // Latin-1 bytes above 0x7f make some keys binary: those are asked for in base64.
                var key = pool.Name == "tagged" ? $"user{{{i % 3}}}:k{i}" : i % 4 == 3 ? $"{pool.Name}:\u00e9\u00ff{i}" : $"{pool.Name}:k{i}";
                var bytes = Encoding.Latin1.GetBytes(key);
                var query = bytes.All(b => b < 0x80) ? "key=" + Uri.EscapeDataString(key) : "key64=" + Uri.EscapeDataString(Convert.ToBase64String(bytes));
                var answer = await ConsoleKit.JsonAsync(proxy.MetricsPort, $"/route?pool={pool.Name}&{query}");
                var address = answer.GetProperty("server").GetProperty("address").GetString();
                Assert.Equal(Convert.ToBase64String(bytes), answer.GetProperty("key_base64").GetString());

                var value = $"v{i}";
                await LiveConfigKit.SetThroughAsync(pool.Port, key, value);
                var holder = Array.IndexOf(backends, Assert.Single(await LiveConfigKit.HoldersAsync(key, value, backends)));
                Assert.True($"127.0.0.1:{backends[holder]}" == address, $"pool {pool.Name} key {key}: /route says {address}, the key is on m{holder}\n{answer}");
                landed[holder]++;
                if (pool.Name == "tagged")
                {
                    // Only the tag is hashed: the explanation says so and keys with one tag share a server.
                    Assert.Equal(Convert.ToBase64String(Encoding.ASCII.GetBytes($"{i % 3}")), answer.GetProperty("hashed_part_base64").GetString());
                    Assert.True(answer.GetProperty("tag_matched").GetBoolean());
                }
            }
        }
        // The keys spread over every server, so agreement is not the trivial one.
        Assert.All(landed, n => Assert.True(n > 20, string.Join(",", landed)));

        var random = await ConsoleKit.JsonAsync(proxy.MetricsPort, "/route?pool=rnd&key=anything");
        Assert.Equal("Random", random.GetProperty("step").GetString());
        Assert.Contains("every request picks a server at random", random.GetProperty("explanation").GetString());
    }

    [Fact]
    public async Task RouteOffline_PrintsWhatTheRunningProxyAnswers()
    {
        using var m0 = ExternalProcess.StartMemcached();
        using var m1 = ExternalProcess.StartMemcached();
        using var m2 = ExternalProcess.StartMemcached();
        var (yaml, _) = Config([m0.Port, m1.Port, m2.Port]);
        using var proxy = TestProxy.StartProcess(yaml, null, metrics: true);
        proxy.WaitListening(proxy.MetricsPort);
        var conf = Path.Combine(proxy.Directory.FullName, "nutcracker.yml");
        var status = await ConsoleKit.JsonAsync(proxy.MetricsPort, "/api/status");
        var poolOrder = status.GetProperty("pools").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Where(n => n != "rnd").ToList();
        Assert.Equal(2 * 12 + 2, poolOrder.Count);

        foreach (var key in new[] { "user:1234", "{tag}x", "" })
        {
            // Every pool at once (no --pool): one block per pool in config order, blank-line separated.
            var offline = await RunAsync(["--route", key, "-c", conf]);
            var blocks = offline.Split("\n\n").Where(b => !b.StartsWith("pool rnd ", StringComparison.Ordinal)).ToList();
            Assert.Equal(poolOrder.Count, blocks.Count);
            for (var i = 0; i < poolOrder.Count; i++)
            {
                var (code, live) = await ConsoleKit.GetAsync(proxy.MetricsPort, $"/route?pool={poolOrder[i]}&key={Uri.EscapeDataString(key)}&format=text");
                Assert.Equal(200, code);
                Assert.Equal(live.TrimEnd('\n'), blocks[i].TrimEnd('\n'));
            }
        }

        var binary = new byte[] { 0xff, 0x00, 0x7f, 0x20 };
        var b64 = Convert.ToBase64String(binary);
        var one = await RunAsync(["--route-base64", b64, "-c", conf, "--pool", "murmur_modula"]);
        var (_, fromProxy) = await ConsoleKit.GetAsync(proxy.MetricsPort, $"/route?pool=murmur_modula&key64={Uri.EscapeDataString(b64)}&format=text");
        Assert.Equal(fromProxy, one);
        Assert.Contains($"key: base64:{b64} (4 bytes)", one);
        Assert.Contains($"hash: murmur(base64:{b64}) = {KeyHasher.Hash(HashKind.Murmur, binary)} ", one);
    }

    /// <summary>sharpcracker with <paramref name="args"/>, bounded; its stdout (exit code 0 required).</summary>
    private static async Task<string> RunAsync(string[] args)
    {
        using var process = Process.Start(SharpcrackerExecutable.StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        return await stdout;
    }
}
