using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sharpcracker.Engine;
using Sharpcracker.Pools;

namespace Sharpcracker.ControlPlane;

/// <summary>
/// A pool's active health checks (<c>health_check_interval</c>; off by default, so a twemproxy
/// file keeps its meaning): one loop per pool for the whole proxy — not per worker — on the
/// thread pool and on its own sockets, like the re-admission probe. A server that has sent no
/// reply (to any request of any worker, or to a check) for the interval gets one
/// <see cref="HealthProbe"/> (memcached <c>version</c>; Redis <c>PING</c>, after <c>AUTH</c> when
/// the pool has <c>redis_auth</c>) on a fresh connection, at most one per interval while it keeps
/// failing. A failure counts exactly as a failed request connection does
/// (<see cref="PoolServer.ReportFailure"/>: failure count, back-off, ejection at
/// <c>server_failure_limit</c> under <c>auto_eject_hosts</c>); an answer counts as a reply (the
/// failure count is reset). Ejected servers are left to their re-admission probe. Servers busy
/// with traffic are never checked: their replies are the evidence.
/// </summary>
internal sealed class ActiveHealthCheck
{
    /// <summary>How often the loop looks while the pool has no health_check_interval (a reload may set one).</summary>
    private const int IdleLookMs = 1000;

    private readonly ServerPool _pool;
    private readonly ILogger _logger;
    // Per server: Stopwatch ticks of the last check started; and the servers with a check running. Loop thread only.
    private readonly Dictionary<PoolServer, long> _lastStarted = [];
    private readonly HashSet<PoolServer> _running = [];
    private readonly Lock _runningLock = new();

    private ActiveHealthCheck(ServerPool pool, ILogger logger)
    {
        _pool = pool;
        _logger = logger;
    }

    /// <summary>Runs until the pool stops.</summary>
    public static ActiveHealthCheck Start(ServerPool pool, ILogger logger)
    {
        var check = new ActiveHealthCheck(pool, logger);
        _ = Task.Run(check.RunAsync);
        return check;
    }

    /// <summary>The loop's period for an interval: a quarter of it, so a server is checked at most a quarter interval late (50 ms to 1 s).</summary>
    public static int TickMs(int intervalMs) => Math.Clamp(intervalMs / 4, 50, 1000);

    private async Task RunAsync()
    {
        var stopping = _pool.Stopping;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var interval = _pool.Config.HealthCheckIntervalMs;
                if (interval is { } ms)
                {
                    try
                    {
                        Round(ms, Stopwatch.GetTimestamp());
                    }
                    catch (Exception e)
                    {
                        // A bug in one round must not end the checking.
                        _logger.HealthCheckRoundFailed(e, _pool.Name);
                    }
                }
                await Task.Delay(interval is { } i ? TickMs(i) : IdleLookMs, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Pool shut down.
        }
    }

    /// <summary>Starts a check of every server silent for the interval whose last check is as old (none running for it).</summary>
    private void Round(int intervalMs, long now)
    {
        var servers = _pool.Servers;
        foreach (var server in servers)
        {
            if (server.Health.IsEjected)
            {
                continue; // the re-admission probe decides when it is back
            }
            var silent = server.Stats.LastReplyAt is var at and > 0 ? Stopwatch.GetElapsedTime(at, now).TotalMilliseconds : double.MaxValue;
            var sinceCheck = _lastStarted.TryGetValue(server, out var started) ? Stopwatch.GetElapsedTime(started, now).TotalMilliseconds : double.MaxValue;
            if (silent < intervalMs || sinceCheck < intervalMs)
            {
                continue;
            }
            lock (_runningLock)
            {
                if (!_running.Add(server))
                {
                    continue; // still waiting for its answer (a probe is bounded by the pool's timeout)
                }
            }
            _lastStarted[server] = now;
            _ = CheckAsync(server, silent);
        }
        // Servers gone from the pool (a reload, a Sentinel change, a departed cluster node) are forgotten.
        if (_lastStarted.Count > servers.Count)
        {
            foreach (var gone in _lastStarted.Keys.Where(s => !servers.Contains(s)).ToList())
            {
                _lastStarted.Remove(gone);
            }
        }
    }

    private async Task CheckAsync(PoolServer server, double silentMs)
    {
        try
        {
            var failure = await HealthProbe.RunAsync(server.Config, _pool.Config, _pool.Stopping).ConfigureAwait(false);
            if (_pool.Stopping.IsCancellationRequested || server.Health.IsEjected)
            {
                return; // ejected meanwhile by request failures: its re-admission probe owns it now
            }
            if (failure is null)
            {
                server.Stats.HealthCheckAnswered(Stopwatch.GetTimestamp());
                var wasFailing = server.Health.Failures > 0;
                server.Health.OnReply();
                if (wasFailing)
                {
                    _logger.HealthCheckRecovered(_pool.Name, server.Name);
                }
                return;
            }
            if (server.Health.Failures == 0)
            {
                // The first failure of a streak (requests' failures are logged by the engine): once, not every interval.
                _logger.HealthCheckFailed(_pool.Name, server.Name, failure.Text, silentMs < long.MaxValue ? $"{(long)silentMs} ms ago" : "never");
            }
            // A probe that got no answer is a failed connect: it counts, backs off, and requests
            // refused during the back-off get its reason.
            server.ReportFailure(failure, ServerConnectionLoss.ConnectFailed);
        }
        catch (Exception e)
        {
            _logger.HealthCheckRoundFailed(e, _pool.Name);
        }
        finally
        {
            lock (_runningLock)
            {
                _running.Remove(server);
            }
        }
    }
}
