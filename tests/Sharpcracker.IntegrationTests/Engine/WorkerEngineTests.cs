using System.Text;
using Sharpcracker.Configuration;

namespace Sharpcracker.IntegrationTests.Engine;

/// <summary>
/// The shard-per-core engine seen from outside: clients spread over workers, each worker with
/// its own server connections, reply order per client, reloads, failures and shutdown with
/// traffic on every worker. Real memcached servers, except where a held reply is needed.
/// </summary>
public sealed class WorkerEngineTests
{
    private const int Workers = 3;

    private static string Pool(int port, IEnumerable<int> servers, string extra = "")
        => $"""
            pool:
              listen: 127.0.0.1:{port}
              hash: fnv1a_64
              distribution: ketama
              timeout: 5000
            {extra}  servers:
            {string.Join("\n", servers.Select((p, i) => $"    - 127.0.0.1:{p}:1 s{i}"))}

            """;

    private static async Task<TestProxy> StartAsync(IEnumerable<int> servers, string extra = "", int threads = Workers)
    {
        var port = FreePort.Next();
        return await TestProxy.StartAsync(Pool(port, servers, extra), port, threads);
    }

    /// <summary>Waits until the acceptor has handed every client to a worker.</summary>
    private static Task WaitForClientsAsync(TestProxy proxy, int count)
        => Poll.UntilAsync(() => Task.FromResult(proxy.Host.Workers.All.Sum(w => w.ClientCount) == count ? "ok" : null),
            TimeSpan.FromSeconds(10), $"{count} clients on the workers");

    [Fact]
    public async Task Acceptor_SpreadsClientsEvenly_EachWorkerOpensItsOwnServerConnections()
    {
        using var memcached = ExternalProcess.StartMemcached();
        await using var proxy = await StartAsync([memcached.Port], "  server_connections: 2\n");
        var clients = Enumerable.Range(0, 3 * Workers).Select(_ => new McConnection(proxy.Port)).ToList();
        try
        {
            await WaitForClientsAsync(proxy, clients.Count);
            Assert.Equal([3, 3, 3], proxy.Host.Workers.All.Select(w => w.ClientCount));
            for (var i = 0; i < clients.Count; i++)
            {
                Assert.Equal("STORED\r\n", await clients[i].RoundTripAsync($"set k{i} 0 0 1\r\n{i % 10}\r\n", "STORED\r\n"));
            }
            // Every worker used its own connections to the server: workers × server_connections
            // when each worker's three clients (ids spread over two connections) have sent.
            var server = proxy.Host.Pools.Single().Servers[0];
            Assert.Equal(Workers * 2, server.ConnectionCount);
            await Poll.UntilAsync(() => Task.FromResult(server.Stats.SampleQueues().Connections == Workers * 2 ? "ok" : null),
                TimeSpan.FromSeconds(10), "every worker's server connections open");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
        await Poll.UntilAsync(() => Task.FromResult(proxy.Host.Workers.All.All(w => w.ClientCount == 0) ? "ok" : null),
            TimeSpan.FromSeconds(10), "closed clients leave their workers");
    }

    [Fact]
    public async Task ManyPipeliningClients_AcrossWorkersAndServers_EachGetsItsRepliesInOrder()
    {
        using var a = ExternalProcess.StartMemcached();
        using var b = ExternalProcess.StartMemcached();
        using var c = ExternalProcess.StartMemcached();
        await using var proxy = await StartAsync([a.Port, b.Port, c.Port], threads: 4);
        const int Clients = 16, Commands = 150;
        var tasks = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            using var connection = new McConnection(proxy.Port);
            var request = new StringBuilder();
            var expected = new StringBuilder();
            for (var i = 0; i < Commands; i++)
            {
                var value = $"v{client}-{i}-{new string('x', i % 40)}";
                request.Append($"set c{client}k{i} 0 0 {value.Length}\r\n{value}\r\n");
                expected.Append("STORED\r\n");
                // A multi-get split over the servers, with a miss and this client's last two keys.
                request.Append($"get c{client}k{i} nokey{i} c{client}k{Math.Max(0, i - 1)}\r\n");
                var previous = $"v{client}-{Math.Max(0, i - 1)}-{new string('x', Math.Max(0, i - 1) % 40)}";
                expected.Append($"VALUE c{client}k{i} 0 {value.Length}\r\n{value}\r\n");
                expected.Append($"VALUE c{client}k{Math.Max(0, i - 1)} 0 {previous.Length}\r\n{previous}\r\n");
                expected.Append("END\r\n");
            }
            await connection.SendAsync(request.ToString());
            var want = Encoding.ASCII.GetBytes(expected.ToString());
            var got = await connection.ReadExactlyAsync(want.Length);
            Assert.Equal(expected.ToString(), Encoding.ASCII.GetString(got));
        })).ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Reload_WhileEveryWorkerCarriesTraffic_NoWrongReplyNoClosedClient()
    {
        using var a = ExternalProcess.StartMemcached();
        using var b = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        await using var proxy = await TestProxy.StartAsync(Pool(port, [a.Port, b.Port]), port, Workers);
        using var stop = new CancellationTokenSource();
        var served = new int[2 * Workers];
        var loops = Enumerable.Range(0, 2 * Workers).Select(client => Task.Run(async () =>
        {
            using var connection = new McConnection(port);
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                var value = $"{client}:{i}";
                Assert.Equal("STORED\r\n", await connection.RoundTripAsync($"set r{client} 0 0 {value.Length}\r\n{value}\r\n", "STORED\r\n"));
                var reply = $"VALUE r{client} 0 {value.Length}\r\n{value}\r\nEND\r\n";
                Assert.Equal(reply, await connection.RoundTripAsync($"get r{client}\r\n", reply));
                served[client]++;
                i++;
            }
        })).ToArray();
        await WaitForClientsAsync(proxy, 2 * Workers);
        Assert.All(proxy.Host.Workers.All, w => Assert.Equal(2, w.ClientCount));
        // Each reload renews every server connection on every worker (server_connections changes,
        // preconnect alternates); the servers and so the keys' placement stay, so every get must
        // find the value its client just set.
        for (var round = 0; round < 6; round++)
        {
            var before = served.Sum();
            var extra = $"  server_connections: {1 + ((round + 1) % 3)}\n  preconnect: {(round % 2 == 0 ? "true" : "false")}\n";
            await proxy.Host.ApplyAsync(ConfigLoader.Parse(Pool(port, [a.Port, b.Port], extra), "t.yml"));
            await Poll.UntilAsync(() =>
            {
                if (loops.FirstOrDefault(l => l.IsFaulted) is { } failed)
                {
                    throw failed.Exception!.InnerException!;
                }
                return Task.FromResult(served.Sum() > before + 2 * Workers ? "ok" : null);
            }, TimeSpan.FromSeconds(20), "traffic after the reload");
        }
        stop.Cancel();
        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.All(served, n => Assert.True(n > 0));
    }

    [Fact]
    public async Task OneBackendDown_FailsOnlyItsOwnRequests_OnEveryWorker()
    {
        using var live = ExternalProcess.StartMemcached();
        var dead = ExternalProcess.StartMemcached();
        await using var proxy = await StartAsync([live.Port, dead.Port], "  server_retry_timeout: 100\n");
        // Keys by server, asked of the live server directly.
        var clients = Enumerable.Range(0, 2 * Workers).Select(_ => new McConnection(proxy.Port)).ToList();
        using var direct = new McConnection(live.Port);
        var onLive = new List<string>();
        var onDead = new List<string>();
        for (var i = 0; onLive.Count < 4 || onDead.Count < 4; i++)
        {
            var key = $"f{i}";
            Assert.Equal("STORED\r\n", await clients[0].RoundTripAsync($"set {key} 0 0 1\r\nv\r\n", "STORED\r\n"));
            await direct.SendAsync($"get {key}\r\n");
            if (await direct.ReadLineAsync() == "END")
            {
                onDead.Add(key);
                continue;
            }
            await direct.ReadLineAsync();
            await direct.ReadLineAsync();
            onLive.Add(key);
        }
        try
        {
            await WaitForClientsAsync(proxy, clients.Count);
            Assert.All(proxy.Host.Workers.All, w => Assert.Equal(2, w.ClientCount));
            dead.Dispose();
            foreach (var client in clients)
            {
                foreach (var key in onDead)
                {
                    await client.SendAsync($"get {key}\r\n");
                    Assert.StartsWith("SERVER_ERROR ", await client.ReadLineAsync());
                }
                foreach (var key in onLive)
                {
                    var reply = $"VALUE {key} 0 1\r\nv\r\nEND\r\n";
                    Assert.Equal(reply, await client.RoundTripAsync($"get {key}\r\n", reply));
                }
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Shutdown_DrainsEveryWorker_EachClientGetsWhatItIsOwedThenEof()
    {
        var held = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var backend = new FakeBackend(async (_, _, line) =>
        {
            if (line.StartsWith("get slow", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref held);
                await release.Task;
                var key = line[4..];
                return $"VALUE {key} 0 2\r\nok\r\nEND\r\n";
            }
            return "END\r\n";
        });
        var proxy = await StartAsync([backend.Port]);
        var clients = Enumerable.Range(0, 2 * Workers).Select(_ => new McConnection(proxy.Port)).ToList();
        try
        {
            await WaitForClientsAsync(proxy, clients.Count);
            Assert.All(proxy.Host.Workers.All, w => Assert.Equal(2, w.ClientCount));
            for (var i = 0; i < clients.Count; i++)
            {
                await clients[i].SendAsync($"get slow{i}\r\n");
            }
            // One connection per worker: each holds its first request; the rest queue behind it.
            await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref held) >= Workers ? "ok" : null),
                TimeSpan.FromSeconds(10), "requests held by the backend on every worker's connection");
            var shutdown = proxy.DisposeAsync().AsTask();
            release.SetResult();
            for (var i = 0; i < clients.Count; i++)
            {
                var reply = Encoding.ASCII.GetString(await clients[i].ReadToEndAsync());
                Assert.Equal($"VALUE slow{i} 0 2\r\nok\r\nEND\r\n", reply);
            }
            await shutdown.WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task ConnectFailingAtOnce_MissingUnixSocket_EveryRequestGetsAnError_NoneHangs()
    {
        var port = FreePort.Next();
        var missing = Path.Combine(Path.GetTempPath(), $"sc-missing-{Guid.NewGuid():N}.sock");
        await using var proxy = await TestProxy.StartAsync($"""
            pool:
              listen: 127.0.0.1:{port}
              servers:
                - {missing}:1

            """, port, Workers);
        using var client = new McConnection(port);
        // The connect fails inside the request's own dispatch (ENOENT), before any event loop pass.
        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync($"get k{i}\r\n");
            Assert.StartsWith("SERVER_ERROR ", await client.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        await client.SendAsync("set k 0 0 1\r\nv\r\n");
        Assert.StartsWith("SERVER_ERROR ", await client.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
