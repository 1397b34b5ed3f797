using System.Text;
using Sharpcracker.IntegrationTests.Differential;
using Sharpcracker.Protocols.Memcached;

namespace Sharpcracker.IntegrationTests.Memcached;

/// <summary>
/// Quiet meta pipelines through the proxy to three servers: each pipeline is 1,000 mixed mg/ms/md/ma
/// commands (most with q, each with its own opaque token) over keys that land on every server,
/// terminated by mn. A local model predicts exactly which replies memcached would show under q and
/// what they contain; any reply shown that should be hidden, hidden that should be shown, reordered
/// or altered fails the byte comparison. No cas flags are used, so the bytes are fully predictable.
/// </summary>
public sealed class MetaPipelineTests
{
    private const int Clients = 4;
    private const int Pipelines = 3;
    private const int CommandsPerPipeline = 1000;

    [Fact]
    public async Task QuietPipelinesOverThreeServers_EveryReplyMatchesTheModel()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        using var s3 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([s1.Port, s2.Port, s3.Port]);

        var results = await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(() => RunClientAsync(proxy.Port, c))));
        Assert.Equal(Clients * Pipelines * CommandsPerPipeline, results.Sum(r => r.Commands));
        // The model must have seen both sides of every quiet rule, or the test proves little.
        Assert.True(results.Sum(r => r.Shown) > 1000, "too few replies were expected to be shown");
        Assert.True(results.Sum(r => r.Hidden) > 3000, "too few replies were expected to be hidden");
        foreach (var server in new[] { s1, s2, s3 })
        {
            Assert.True(await DifferentialTests.StatAsync(server.Port, "cmd_set") > 300, $"server {server.Port} got too few of the keys");
            Assert.True(await DifferentialTests.StatAsync(server.Port, "cmd_get") > 300, $"server {server.Port} got too few of the keys");
        }
    }

    private sealed record Outcome(int Commands, int Shown, int Hidden);

    private sealed class Item
    {
        public required string Value;
        public uint Flags;
        /// <summary>memcached echoes a hit's key (k) encoded when the item was stored by a set/add/replace with b; append/prepend store it plain.</summary>
        public bool BinaryKey;
    }

    private static async Task<Outcome> RunClientAsync(int port, int client)
    {
        var random = new Random(1000 + client);
        var items = new Dictionary<string, Item>();
        var counters = new Dictionary<string, ulong>();
        var commands = 0;
        var shown = 0;
        var hidden = 0;
        using var connection = new McConnection(port);
        for (var p = 0; p < Pipelines; p++)
        {
            var request = new StringBuilder();
            var expected = new StringBuilder();
            for (var i = 0; i < CommandsPerPipeline; i++, commands++)
            {
                var opaque = $"O{p}.{i}";
                var quiet = random.Next(10) != 0; // mostly quiet, some loud, in one stream
                var q = quiet ? " q" : "";
                var before = expected.Length;
                var useBase64 = random.Next(4) == 0;
                var name = $"c{client}k{random.Next(60)}";
                var encoded = McBase64.Encode(Encoding.Latin1.GetBytes(name));
                var key = useBase64 ? encoded : name;
                var b = useBase64 ? " b" : "";
                var echoKey = random.Next(3) == 0;
                // k returns the key as sent: base64 keys come back encoded, with b.
                var keyFlag = echoKey ? " k" : "";
                var keyEcho = !echoKey ? "" : useBase64 ? $" k{encoded} b" : " k" + name;
                switch (random.Next(6))
                {
                    case 0:
                    case 1:
                        {
                            var value = new string((char)('a' + random.Next(26)), random.Next(0, 200));
                            var flags = (uint)random.Next(1000);
                            var mode = random.Next(6) switch { 0 => "E", 1 => "R", 2 => "A", 3 => "P", _ => "S" };
                            request.Append($"ms {key} {value.Length}{b} T0 F{flags} M{mode}{q} {opaque}{keyFlag}\r\n{value}\r\n");
                            var exists = items.TryGetValue(name, out var item);
                            var stored = mode switch { "E" => !exists, "R" or "A" or "P" => exists, _ => true };
                            if (stored)
                            {
                                items[name] = mode switch
                                {
                                    "A" => new Item { Value = item!.Value + value, Flags = item.Flags },
                                    "P" => new Item { Value = value + item!.Value, Flags = item.Flags },
                                    _ => new Item { Value = value, Flags = flags, BinaryKey = useBase64 },
                                };
                                counters.Remove(name);
                                if (!quiet)
                                {
                                    expected.Append($"HD {opaque}{keyEcho}\r\n");
                                }
                            }
                            else
                            {
                                expected.Append($"NS {opaque}{keyEcho}\r\n");
                            }
                            break;
                        }
                    case 2:
                    case 3:
                        {
                            request.Append($"mg {key}{b} v f{q} {opaque}{keyFlag}\r\n");
                            if (items.TryGetValue(name, out var item))
                            {
                                var hitEcho = !echoKey ? "" : item.BinaryKey ? $" k{encoded} b" : " k" + name;
                                expected.Append($"VA {item.Value.Length} f{item.Flags} {opaque}{hitEcho}\r\n{item.Value}\r\n");
                            }
                            else if (!quiet)
                            {
                                expected.Append($"EN {opaque}{keyEcho}\r\n");
                            }
                            break;
                        }
                    case 4:
                        {
                            request.Append($"md {key}{b}{q} {opaque}{keyFlag}\r\n");
                            if (items.Remove(name))
                            {
                                counters.Remove(name);
                                if (!quiet)
                                {
                                    expected.Append($"HD {opaque}{keyEcho}\r\n");
                                }
                            }
                            else
                            {
                                expected.Append($"NF {opaque}{keyEcho}\r\n");
                            }
                            break;
                        }
                    default:
                        {
                            // Counters live on their own keys so they always hold numbers.
                            var counter = $"c{client}n{random.Next(20)}";
                            var delta = (ulong)random.Next(1, 50);
                            var decrement = random.Next(3) == 0;
                            var vivify = random.Next(2) == 0;
                            var initial = (ulong)random.Next(0, 100);
                            var mode = decrement ? " MD" : " MI";
                            var viv = vivify ? $" N0 J{initial}" : "";
                            request.Append($"ma {counter}{q}{viv}{mode} D{delta} v {opaque}\r\n");
                            if (counters.TryGetValue(counter, out var current))
                            {
                                var next = decrement ? (delta > current ? 0 : current - delta) : current + delta;
                                counters[counter] = next;
                                if (!quiet)
                                {
                                    expected.Append($"VA {next.ToString().Length} {opaque}\r\n{next}\r\n");
                                }
                            }
                            else if (vivify)
                            {
                                // Auto-created: memcached shows it even under q.
                                counters[counter] = initial;
                                expected.Append($"VA {initial.ToString().Length} {opaque}\r\n{initial}\r\n");
                            }
                            else
                            {
                                expected.Append($"NF {opaque}\r\n");
                            }
                            break;
                        }
                }
                if (expected.Length > before)
                {
                    shown++;
                }
                else
                {
                    hidden++;
                }
                if (random.Next(200) == 0)
                {
                    request.Append("mn\r\n");
                    expected.Append("MN\r\n");
                }
            }
            request.Append("mn\r\n");
            expected.Append("MN\r\n");
            await connection.SendAsync(request.ToString());
            var want = expected.ToString();
            var got = Encoding.Latin1.GetString(await connection.ReadExactlyAsync(Encoding.Latin1.GetByteCount(want)));
            if (got != want)
            {
                var at = 0;
                while (at < got.Length && got[at] == want[at])
                {
                    at++;
                }
                var from = Math.Max(0, at - 80);
                Assert.Fail($"client {client} pipeline {p}: first difference at byte {at}\n  want: {Escape(want.Substring(from, Math.Min(200, want.Length - from)))}\n   got: {Escape(got.Substring(from, Math.Min(200, got.Length - from)))}");
            }
        }
        // Nothing more may arrive: every hidden reply really was hidden, not late.
        await connection.SendAsync("quit\r\n");
        Assert.Empty(await connection.ReadToEndAsync());
        return new Outcome(commands, shown, hidden);
    }

    private static string Escape(string s) => s.Replace("\r", "\\r").Replace("\n", "\\n");
}
