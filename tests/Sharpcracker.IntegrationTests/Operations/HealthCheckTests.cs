using System.Globalization;
using System.Text.Json;

namespace Sharpcracker.IntegrationTests.Operations;

/// <summary>
/// Active health checks (health_check_interval, issue 25 §6) on the real executable: a server
/// killed while no client sends is reported down by /ready and /api/status within a bounded
/// poll, fed into ejection under auto_eject_hosts, and seen again when it returns — while a pool
/// over the same server without the key keeps twemproxy's behaviour (known from requests only).
/// </summary>
public sealed class HealthCheckTests
{
    private const string Password = "hc-secret";

    private static ExternalProcess StartRedisOnPort(int port) => ExternalProcess.Start("redis-server",
        ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning", "--requirepass", Password], port);

    private static async Task<JsonElement> ServerAsync(int metricsPort, string pool)
    {
        var status = await ConsoleKit.JsonAsync(metricsPort, "/api/status");
        var p = status.GetProperty("pools").EnumerateArray().Single(x => x.GetProperty("name").GetString() == pool);
        return p.GetProperty("servers").EnumerateArray().Single();
    }

    /// <summary>Polls /api/status (bounded) until the pool's server satisfies <paramref name="condition"/>; returns it.</summary>
    private static async Task<JsonElement> WaitServerAsync(int metricsPort, string pool, Func<JsonElement, bool> condition, string what)
        => (JsonElement)await Poll.UntilAsync<object>(async () => await ServerAsync(metricsPort, pool) is var s && condition(s) ? s : null,
            TimeSpan.FromSeconds(30), $"pool {pool}: {what}");

    private static string State(JsonElement server) => server.GetProperty("state").GetString()!;

    [Fact]
    public async Task Redis_ServerKilledWithoutTraffic_ReportedDownAndEjected_ThenSeenAgain_PoolWithoutTheKeyUnchanged()
    {
        var redis = StartRedisOnPort(FreePort.Next());
        var redisPort = redis.Port;
        var (checkedPort, plainPort, ejectingPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        string Pool(string name, int port, string keys) => $"{name}:\n  listen: 127.0.0.1:{port}\n  redis: true\n  redis_auth: {Password}\n  timeout: 1000\n{keys}"
            + $"  servers:\n    - 127.0.0.1:{redisPort}:1 r0\n";
        var yaml = Pool("checked", checkedPort, "  health_check_interval: 200\n")
            + Pool("plain", plainPort, "")
            + Pool("ejecting", ejectingPort, "  health_check_interval: 200\n  auto_eject_hosts: true\n  server_failure_limit: 2\n  server_retry_timeout: 300\n");
        try
        {
            using var proxy = TestProxy.StartProcess(yaml, checkedPort, metrics: true);
            proxy.WaitListening(proxy.MetricsPort);
            var port = proxy.MetricsPort;

            // No client has sent anything: the checks (PING after AUTH) are the only replies.
            await WaitServerAsync(port, "checked", s => s.GetProperty("last_reply_age_ms").ValueKind == JsonValueKind.Number, "a health check answered");
            Assert.Equal(JsonValueKind.Null, (await ServerAsync(port, "plain")).GetProperty("last_reply_age_ms").ValueKind); // never probed, never asked
            var ready = await ConsoleKit.WaitReadyAsync(port, 200);
            Assert.Contains("pool checked: ready: 1 of 1 servers up; oldest last reply ", ready, StringComparison.Ordinal);
            Assert.Contains("health checks after 200 ms of silence", ready, StringComparison.Ordinal);
            Assert.Contains("pool plain: ready: 1 of 1 servers up; a server has not answered yet, no health checks", ready, StringComparison.Ordinal);

            // Killed while no client sends: the checks find out.
            redis.Dispose();
            // The first check may catch the server dying (a reset); the ones after it are refused.
            await WaitServerAsync(port, "checked", s => State(s) != "up" && s.GetProperty("last_error").GetString() == "Connection refused", "reported down, connection refused");
            await WaitServerAsync(port, "ejecting", s => State(s) is "ejected" or "probing", "ejected after two failed checks");
            var notReady = await ConsoleKit.WaitReadyAsync(port, 503, "pool checked: not ready");
            Assert.Contains("pool ejecting: not ready", notReady, StringComparison.Ordinal);
            // Without the key nothing has looked: the same server still counts as up there (twemproxy's view).
            Assert.Equal("up", State(await ServerAsync(port, "plain")));
            Assert.Contains("server r0: health check failed (", proxy.Log, StringComparison.Ordinal);

            // Back: the checker sees it (no request is sent), and the re-admission probe puts the ejected one back.
            redis = StartRedisOnPort(redisPort);
            await WaitServerAsync(port, "checked", s => State(s) == "up", "up again");
            await WaitServerAsync(port, "ejecting", s => State(s) == "up", "re-admitted");
            Assert.Contains("pool checked: ready: 1 of 1 servers up", await ConsoleKit.WaitReadyAsync(port, 200, "pool ejecting: ready"), StringComparison.Ordinal);
            using var c = new RespConnection(checkedPort);
            Assert.Equal("+OK\r\n", await c.CallAsync("AUTH", Password)); // redis_auth: clients authenticate to the proxy too (twemproxy's rule)
            Assert.Equal("+OK\r\n", await c.CallAsync("SET", "k", "v"));
        }
        finally
        {
            redis.Dispose();
        }
    }

    [Fact]
    public async Task Memcached_ServerKilledWithoutTraffic_ReportedDown_ThenUpAgain()
    {
        var memcached = ExternalProcess.StartMemcached();
        var memcachedPort = memcached.Port;
        var listen = FreePort.Next();
        var yaml = $"mc:\n  listen: 127.0.0.1:{listen}\n  timeout: 1000\n  health_check_interval: 200\n  servers:\n    - 127.0.0.1:{memcachedPort}:1 m0\n";
        try
        {
            using var proxy = TestProxy.StartProcess(yaml, listen, metrics: true);
            proxy.WaitListening(proxy.MetricsPort);
            var port = proxy.MetricsPort;
            await WaitServerAsync(port, "mc", s => s.GetProperty("last_reply_age_ms").ValueKind == JsonValueKind.Number, "a health check (version) answered");

            memcached.Dispose();
            await WaitServerAsync(port, "mc", s => State(s) != "up", "reported down");
            Assert.Contains("pool mc: not ready: no reachable server: m0 ", await ConsoleKit.WaitReadyAsync(port, 503), StringComparison.Ordinal);

            memcached = ExternalProcess.StartMemcachedOnPort(memcachedPort);
            await WaitServerAsync(port, "mc", s => State(s) == "up", "up again");
            Assert.Contains("pool mc: ready: 1 of 1 servers up", await ConsoleKit.WaitReadyAsync(port, 200), StringComparison.Ordinal);
        }
        finally
        {
            memcached.Dispose();
        }
    }
}
