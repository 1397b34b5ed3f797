namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>Real redis-server instances for integration tests (a Redis pool over them: <see cref="TestProxy.StartRedisAsync"/>).</summary>
public static class RedisServer
{
    /// <summary>A redis-server on a free loopback port, no persistence; extra arguments appended (e.g. --requirepass).</summary>
    public static ExternalProcess Start(params string[] extra) => StartOnPort(FreePort.Next(), extra);

    /// <summary>The same on a given port (a server restarted where it was).</summary>
    public static ExternalProcess StartOnPort(int port, params string[] extra)
    {
        var args = new List<string>
        {
            "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning",
        };
        args.AddRange(extra);
        return ExternalProcess.Start("redis-server", args, port);
    }
}
