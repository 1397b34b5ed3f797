using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Sharpcracker.Stats;

namespace Sharpcracker.OperatorConsole;

/// <summary>
/// The stats port (-s/-a, always on like twemproxy's) and the optional Prometheus endpoint
/// (--metrics-port, on the -a address). The stats port is best effort: when it cannot bind, the
/// proxy logs a warning and serves traffic anyway (several instances on one host with the default
/// port must not stop each other). The metrics port was asked for explicitly, so failing to bind
/// it is an error the caller reports.
/// </summary>
internal sealed class StatsServers : IAsyncDisposable
{
    private readonly StatsTcpListener? _stats;
    private readonly StatsTcpListener? _metrics;

    private StatsServers(StatsTcpListener? stats, StatsTcpListener? metrics)
    {
        _stats = stats;
        _metrics = metrics;
    }

    /// <summary>
    /// Starts both listeners; throws IOException when the metrics port cannot be bound. With
    /// <paramref name="view"/>, the metrics port also serves the operator console.
    /// </summary>
    public static StatsServers Start(string address, int statsPort, int metricsPort, ILogger logger, OperatorConsole.IProxyView? view = null)
    {
        ProxyMeter.EnsureCreated();
        StatsTcpListener? stats = null;
        try
        {
            stats = StatsTcpListener.Start(address, statsPort, "stats", (client, ct) => StatsEndpoints.ServeStatsPortAsync(client, view, ct), logger);
            logger.StatsListening(address, statsPort);
        }
        catch (SocketException e)
        {
            logger.StatsListenFailed(address, statsPort, e.Message);
        }
        StatsTcpListener? metrics = null;
        if (metricsPort > 0)
        {
            try
            {
                metrics = StatsTcpListener.Start(address, metricsPort, "metrics", (client, ct) => StatsEndpoints.ServeHttpAsync(client, view, ct), logger);
                logger.MetricsListening(address, metricsPort, view is null ? "" : $" (status page http://{address}:{metricsPort}/)");
            }
            catch (SocketException e)
            {
                stats?.DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw new IOException($"metrics port {metricsPort}: {e.Message}", e);
            }
        }
        return new StatsServers(stats, metrics);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stats is not null)
        {
            await _stats.DisposeAsync().ConfigureAwait(false);
        }
        if (_metrics is not null)
        {
            await _metrics.DisposeAsync().ConfigureAwait(false);
        }
    }
}
