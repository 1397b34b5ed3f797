using System.Diagnostics;

namespace Sharpcracker.IntegrationTests.Redis;

/// <summary>Debian's redis-tools (redis-benchmark, redis-cli) through the proxy.</summary>
public sealed class RedisToolsTests
{
    internal static Task<(int Exit, string Out, string Err)> RunAsync(string program, params string[] args)
        => ToolProcess.RunAsync(program, args, TimeSpan.FromMinutes(4));

    [Fact]
    public async Task RedisBenchmark_ThroughProxyOverThreeServers_CompletesWithoutErrors()
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        using var b3 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port, b3.Port]);
        var (exit, stdout, stderr) = await RunAsync("redis-benchmark", "-h", "127.0.0.1", "-p", proxy.Port.ToString(),
            "-t", "set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,lrange,mset", "-n", "20000", "-P", "16", "-q");
        var output = stdout + stderr;
        Assert.True(exit == 0, $"exit {exit}: {output}");
        Assert.DoesNotContain("ERR", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("error", output, StringComparison.OrdinalIgnoreCase);
        // -q prints one "<TEST>: N requests per second" line per test; every test must have finished.
        foreach (var test in new[] { "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET", "SPOP", "LRANGE_100", "LRANGE_600", "MSET" })
        {
            Assert.Matches($@"(^|[\r\n]){test}[^\r\n]*: [0-9.]+ requests per second", output);
        }
        // The traffic reached the backends.
        var counter = 0L;
        foreach (var b in new[] { b1, b2, b3 })
        {
            using var c = new RespConnection(b.Port);
            var info = await c.CallAsync("INFO", "stats");
            var line = info.Split("\r\n").First(l => l.StartsWith("total_commands_processed:", StringComparison.Ordinal));
            counter += long.Parse(line.Split(':')[1]);
        }
        Assert.True(counter >= 20000 * 12, $"backends processed only {counter} commands");
    }

    [Fact]
    public async Task RedisCli_WorksThroughProxy()
    {
        using var b1 = RedisServer.Start();
        using var b2 = RedisServer.Start();
        await using var proxy = await TestProxy.StartRedisAsync([b1.Port, b2.Port]);
        var port = proxy.Port.ToString();
        Assert.Equal("OK", (await RunAsync("redis-cli", "-p", port, "SET", "cli-key", "hello world")).Out.Trim());
        Assert.Equal("hello world", (await RunAsync("redis-cli", "-p", port, "GET", "cli-key")).Out.Trim());
        Assert.Equal("3", (await RunAsync("redis-cli", "-p", port, "RPUSH", "cli-list", "a", "b", "c")).Out.Trim());
        Assert.Equal("a\nb\nc", (await RunAsync("redis-cli", "-p", port, "LRANGE", "cli-list", "0", "-1")).Out.Trim());
        Assert.Equal("hello world\n\nhello world", (await RunAsync("redis-cli", "-p", port, "MGET", "cli-key", "nokey", "cli-key")).Out.Trim());
        Assert.Equal("PONG", (await RunAsync("redis-cli", "-p", port, "PING")).Out.Trim());
        var unsupported = await RunAsync("redis-cli", "-p", port, "SWAPDB", "0", "1");
        Assert.Contains("unsupported command 'swapdb' in proxy mode", unsupported.Out + unsupported.Err);
        // The keyspace over both servers: KEYS merged, --scan walks the one cursor to its end.
        Assert.Equal("cli-key\ncli-list", string.Join("\n", (await RunAsync("redis-cli", "-p", port, "KEYS", "cli-*")).Out.Trim().Split('\n').Order(StringComparer.Ordinal)));
        Assert.Equal("cli-key\ncli-list", string.Join("\n", (await RunAsync("redis-cli", "-p", port, "--scan", "--pattern", "cli-*")).Out.Trim().Split('\n').Order(StringComparer.Ordinal)));
        // Interactive-style use: several commands on stdin in one connection.
        var info = new ProcessStartInfo(InstalledProgram.Find("redis-cli"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-p");
        info.ArgumentList.Add(port);
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync("INCR cli-counter\nINCR cli-counter\nGET cli-counter\n");
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(cts.Token);
        Assert.Equal("1\n2\n2", output.Trim());
    }
}
