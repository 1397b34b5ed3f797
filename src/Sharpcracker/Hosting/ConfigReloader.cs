using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Pools;
using Sharpcracker.Stats;

namespace Sharpcracker.Hosting;

/// <summary>
/// Reloads the running configuration: on SIGHUP, when a watched file changes (--watch-config),
/// or when a source pushes a new config (the vBucket HTTP stream). Every attempt is logged and
/// counted (<see cref="ConfigReloadCounters"/>): a refused config leaves the old one running.
/// </summary>
internal sealed class ConfigReloader : IAsyncDisposable
{
    private readonly ProxyHost _host;
    private readonly Func<ProxyConfig> _load;
    private readonly IReadOnlyList<string> _watchedFiles;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private PosixSignalRegistration? _sighup;
    private Task? _watchLoop;

    /// <param name="load">Reads the configuration as it is now (the YAML file, the -z files…); throws <see cref="ConfigException"/>.</param>
    /// <param name="watchedFiles">Files --watch-config polls.</param>
    public ConfigReloader(ProxyHost host, Func<ProxyConfig> load, IReadOnlyList<string> watchedFiles, ILogger logger)
    {
        _host = host;
        _load = load;
        _watchedFiles = watchedFiles;
        _logger = logger;
    }

    /// <summary>Reload on SIGHUP (the log file is reopened by its own handler; several handlers per signal are fine).</summary>
    public void HandleSighup()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true; // reload, do not terminate
            _ = ReloadAsync("SIGHUP");
        });
    }

    /// <summary>
    /// Starts polling the watched files (--watch-config). <paramref name="loadedFingerprint"/> is
    /// the files' <see cref="FingerprintOf"/> taken before the running configuration was read: an
    /// edit made while the proxy was starting (before this loop first runs) is still a change.
    /// </summary>
    public void Watch(string? loadedFingerprint) => _watchLoop ??= Task.Run(() => WatchLoopAsync(loadedFingerprint ?? FingerprintOf(_watchedFiles)));

    /// <summary>Re-reads the configuration and applies it. True when applied.</summary>
    public Task<bool> ReloadAsync(string trigger) => ApplyAsync(_load, trigger);

    /// <summary>Builds a configuration and applies it; logs and counts the outcome. True when applied.</summary>
    public async Task<bool> ApplyAsync(Func<ProxyConfig> build, string trigger)
    {
        try
        {
            var config = build();
            var changes = await _host.ApplyAsync(config).ConfigureAwait(false);
            ConfigReloadCounters.CountReload();
            var summary = changes.Count == 0 ? "no changes" : changes.Count + " change(s): " + string.Join("; ", changes);
            Stats.ReloadHistory.Record(trigger, applied: true, summary);
            _logger.ConfigReloaded(trigger, summary);
            return true;
        }
        catch (ConfigException e)
        {
            ConfigReloadCounters.CountFailure();
            Stats.ReloadHistory.Record(trigger, applied: false, e.Message);
            _logger.ConfigReloadRefused(trigger, e.Message);
            return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            ConfigReloadCounters.CountFailure();
            Stats.ReloadHistory.Record(trigger, applied: false, e.Message);
            _logger.ConfigReloadFailed(e, trigger);
            return false;
        }
    }

    private async Task WatchLoopAsync(string applied)
    {
        string? candidate = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_host.Timings.ConfigWatchInterval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var now = FingerprintOf(_watchedFiles);
            if (now == applied)
            {
                candidate = null;
                continue;
            }
            // An editor may still be writing: apply once the contents held still for one interval.
            if (now != candidate)
            {
                candidate = now;
                continue;
            }
            applied = now;
            candidate = null;
            await ReloadAsync("config file changed").ConfigureAwait(false);
        }
    }

    /// <summary>Contents hash of every file ("missing" for an unreadable one).</summary>
    public static string FingerprintOf(IReadOnlyList<string> files)
    {
        var parts = new List<string>();
        foreach (var file in files)
        {
            try
            {
                parts.Add(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                parts.Add("missing");
            }
        }
        return string.Join(",", parts);
    }

    public async ValueTask DisposeAsync()
    {
        _sighup?.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_watchLoop is not null)
        {
            await _watchLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _stop.Dispose();
    }
}
