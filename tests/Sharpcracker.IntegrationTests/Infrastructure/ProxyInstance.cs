using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Hosting;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>Sharpcracker running in the test process from a YAML config, listening on real loopback sockets.</summary>
public sealed class ProxyInstance : IAsyncDisposable
{
    private readonly ProxyHost _host;

    private ProxyInstance(ProxyHost host, int port)
    {
        _host = host;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The running host (config reload tests apply new configs to it).</summary>
    public ProxyHost Host => _host;

    /// <summary>A one-pool memcached proxy over the given backend ports.</summary>
    public static Task<ProxyInstance> StartMemcachedAsync(IEnumerable<int> backendPorts, string extraPoolKeys = "")
    {
        var port = FreePort.Next();
        var servers = string.Join("\n", backendPorts.Select((p, i) => $"    - 127.0.0.1:{p}:1 s{i}"));
        var yaml = $"""
            pool:
              listen: 127.0.0.1:{port}
            {Indent(extraPoolKeys)}  servers:
            {servers}

            """;
        return StartAsync(yaml, port);
    }

    private static string Indent(string keys)
        => string.Concat(keys.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(k => "  " + k.Trim() + "\n"));

    /// <param name="threads">Worker threads; 0 = the proxy's default (one per processor).</param>
    public static async Task<ProxyInstance> StartAsync(string yaml, int port, int threads = 0)
    {
        var config = ConfigLoader.Parse(yaml, "test.yml");
        var host = new ProxyHost(config, logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft", LogLevel.Error), threads);
        await host.StartAsync();
        return new ProxyInstance(host, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        await _host.DisposeAsync();
    }
}
