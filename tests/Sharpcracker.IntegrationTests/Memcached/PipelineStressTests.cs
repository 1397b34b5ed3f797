using System.Text;
using Sharpcracker.IntegrationTests.Differential;

namespace Sharpcracker.IntegrationTests.Memcached;

/// <summary>
/// Many clients pipelining thousands of mixed requests through the proxy to three servers.
/// Each client owns its keys, so a local model predicts every reply byte; any lost, duplicated
/// or reordered reply fails the comparison.
/// </summary>
public sealed class PipelineStressTests
{
    private const int Clients = 50;
    private const int RequestsPerClient = 2000;
    private const int Batch = 250;

    [Fact]
    public async Task FiftyClientsPipelining_EveryReplyMatchesTheModel()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        using var s3 = ExternalProcess.StartMemcached();
        await using var proxy = await TestProxy.StartMemcachedAsync([s1.Port, s2.Port, s3.Port]);

        var tasks = Enumerable.Range(0, Clients).Select(c => Task.Run(() => RunClientAsync(proxy.Port, c))).ToArray();
        var totals = await Task.WhenAll(tasks);
        Assert.Equal(Clients * RequestsPerClient, totals.Sum());

        // Keys were spread over all three servers.
        foreach (var server in new[] { s1, s2, s3 })
        {
            Assert.True(await DifferentialTests.StatAsync(server.Port, "cmd_set") > 1000);
        }
    }

    private static async Task<int> RunClientAsync(int port, int client)
    {
        var random = new Random(client * 7919);
        var model = new Dictionary<string, string>();
        using var connection = new McConnection(port);
        var done = 0;
        while (done < RequestsPerClient)
        {
            var request = new StringBuilder();
            var expected = new StringBuilder();
            for (var i = 0; i < Batch && done < RequestsPerClient; i++, done++)
            {
                var key = $"c{client}:k{random.Next(40)}";
                switch (random.Next(8))
                {
                    case 0:
                    case 1:
                        {
                            var value = new string((char)('a' + random.Next(26)), random.Next(0, 300));
                            request.Append($"set {key} {client} 0 {value.Length}\r\n{value}\r\n");
                            expected.Append("STORED\r\n");
                            model[key] = value;
                            break;
                        }
                    case 2:
                        {
                            var value = "nr" + random.Next(1000);
                            request.Append($"set {key} {client} 0 {value.Length} noreply\r\n{value}\r\n");
                            model[key] = value;
                            break;
                        }
                    case 3:
                        request.Append($"get {key}\r\n");
                        AppendValue(expected, key, model, client);
                        expected.Append("END\r\n");
                        break;
                    case 4:
                        {
                            var keys = Enumerable.Range(0, random.Next(2, 12)).Select(_ => $"c{client}:k{random.Next(40)}").ToList();
                            request.Append("get ").Append(string.Join(' ', keys)).Append("\r\n");
                            foreach (var k in keys)
                            {
                                AppendValue(expected, k, model, client);
                            }
                            expected.Append("END\r\n");
                            break;
                        }
                    case 5:
                        request.Append($"delete {key}\r\n");
                        expected.Append(model.Remove(key) ? "DELETED\r\n" : "NOT_FOUND\r\n");
                        break;
                    case 6:
                        request.Append($"delete {key} noreply\r\n");
                        model.Remove(key);
                        break;
                    default:
                        {
                            var value = "add" + i;
                            request.Append($"add {key} {client} 0 {value.Length}\r\n{value}\r\n");
                            if (model.TryAdd(key, value))
                            {
                                expected.Append("STORED\r\n");
                            }
                            else
                            {
                                expected.Append("NOT_STORED\r\n");
                            }
                            break;
                        }
                }
            }
            // A final get proves that trailing noreply requests did not leave a stray reply behind.
            request.Append("version\r\n");
            var versionPrefix = "VERSION ";
            await connection.SendAsync(request.ToString());
            var expectedText = expected.ToString();
            var actual = Encoding.Latin1.GetString(await connection.ReadExactlyAsync(expectedText.Length));
            Assert.Equal(expectedText, actual);
            var version = await connection.ReadLineAsync();
            Assert.StartsWith(versionPrefix, version);
        }
        return done;
    }

    private static void AppendValue(StringBuilder expected, string key, Dictionary<string, string> model, int flags)
    {
        if (model.TryGetValue(key, out var value))
        {
            expected.Append($"VALUE {key} {flags} {value.Length}\r\n{value}\r\n");
        }
    }
}
