using Sharpcracker.Configuration;

namespace Sharpcracker.IntegrationTests.Operations;

/// <summary>/config shows the running configuration, after a reload too, and never a configured secret.</summary>
public sealed class ConsoleConfigTests
{
    private const string OldSecret = "old-Secret-7f3a9";
    private const string NewSecret = "new-Secret-91bc2";
    private static readonly ServerConfig[] s_noServers = [];

    private static string Yaml(int mcPort, int redisPort, int redisBackend, int memcachedBackend, string secret, int retry) => $"""
        cache:
          listen: 127.0.0.1:{mcPort}
          hash_tag: "{"{}"}"
          timeout: 400
          servers:
            - 127.0.0.1:{memcachedBackend}:2 mc-a
        sessions:
          listen: 127.0.0.1:{redisPort}
          redis: true
          redis_auth: {secret}
          redis_db: 0
          server_retry_timeout: {retry}
          servers:
            - 127.0.0.1:{redisBackend}:1 r0

        """;

    [Fact]
    public async Task Config_ShowsTheRunningConfiguration_AndNeverASecret_BeforeAndAfterAReload()
    {
        using var memcached = ExternalProcess.StartMemcached();
        using var redis = RedisServer.Start("--requirepass", OldSecret);
        var (mcPort, redisPort) = (FreePort.Next(), FreePort.Next());
        var yaml = Yaml(mcPort, redisPort, redis.Port, memcached.Port, OldSecret, 30000);
        using var proxy = TestProxy.StartProcess(yaml, null, metrics: true);
        proxy.WaitListening(proxy.MetricsPort);
        proxy.WaitListening(redisPort);
        var port = proxy.MetricsPort;

        // Traffic through the Redis pool makes the proxy use the password (AUTH to the backend).
        using (var client = new RespConnection(redisPort))
        {
            Assert.Equal("+OK\r\n", await client.CallAsync("AUTH", OldSecret));
            Assert.Equal("+OK\r\n", await client.CallAsync("SET", "k", "v"));
        }

        var (status, shown) = await ConsoleKit.GetAsync(port, "/config");
        Assert.Equal(200, status);
        Assert.DoesNotContain(OldSecret, shown);
        Assert.Contains("redis_auth: \"<redacted>\"", shown);
        // Every other setting is the running one: the page parses back into the same pools.
        var original = ConfigLoader.Parse(yaml, "original.yml");
        var parsed = ConfigLoader.Parse(shown, "shown.yml");
        Assert.Equal(original.Pools.Select(p => p with { RedisAuth = p.RedisAuth is null ? null : "<redacted>", Servers = s_noServers }),
            parsed.Pools.Select(p => p with { Servers = s_noServers }));
        Assert.Equal(original.Pools.SelectMany(p => p.Servers), parsed.Pools.SelectMany(p => p.Servers));
        await AssertNowhereAsync(port, OldSecret);

        // Reload with a new secret and a new retry timeout: /config follows, still without a secret.
        File.WriteAllText(Path.Combine(proxy.Directory.FullName, "nutcracker.yml"), Yaml(mcPort, redisPort, redis.Port, memcached.Port, NewSecret, 1234));
        proxy.Signal("HUP");
        var reloaded = await Poll.UntilAsync(async () => await ConsoleKit.GetAsync(port, "/config") is var (_, body) && body.Contains("server_retry_timeout: 1234") ? body : null,
            TimeSpan.FromSeconds(30), "/config never showed the reloaded configuration");
        Assert.DoesNotContain(NewSecret, reloaded);
        Assert.DoesNotContain(OldSecret, reloaded);
        var status2 = await ConsoleKit.JsonAsync(port, "/api/status");
        var reload = status2.GetProperty("reloads").GetProperty("recent")[0];
        Assert.True(reload.GetProperty("applied").GetBoolean());
        Assert.Contains("server_retry_timeout 30000 -> 1234", reload.GetProperty("summary").GetString());
        await AssertNowhereAsync(port, NewSecret);
        await AssertNowhereAsync(port, OldSecret);
    }

    /// <summary>No console path (nor /metrics) shows <paramref name="secret"/>.</summary>
    private static async Task AssertNowhereAsync(int port, string secret)
    {
        foreach (var path in new[] { "/", "/api/status", "/config", "/metrics", "/ready", "/route?pool=sessions&key=k" })
        {
            var (_, body) = await ConsoleKit.GetAsync(port, path);
            Assert.False(body.Contains(secret, StringComparison.Ordinal), $"{path} shows the secret");
        }
    }
}
