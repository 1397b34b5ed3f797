namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>Real redis-server instances and Sharpcracker Redis pools for integration tests.</summary>
public static class RedisServer
{
    /// <summary>A redis-server on a free loopback port, no persistence; extra arguments appended (e.g. --requirepass).</summary>
    public static ExternalProcess Start(params string[] extra)
    {
        var port = FreePort.Next();
        var args = new List<string>
        {
            "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning",
        };
        args.AddRange(extra);
        return ExternalProcess.Start("redis-server", args, port);
    }

    /// <summary>A one-pool Redis proxy (redis: true) over the given backend ports.</summary>
    public static Task<ProxyInstance> StartProxyAsync(IEnumerable<int> backendPorts, string extraPoolKeys = "")
    {
        var port = FreePort.Next();
        var servers = string.Join("\n", backendPorts.Select((p, i) => $"    - 127.0.0.1:{p}:1 r{i}"));
        var extra = string.Concat(extraPoolKeys.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(k => "  " + k.Trim() + "\n"));
        var yaml = $"""
            pool:
              listen: 127.0.0.1:{port}
              redis: true
            {extra}  servers:
            {servers}

            """;
        return ProxyInstance.StartAsync(yaml, port);
    }
}
