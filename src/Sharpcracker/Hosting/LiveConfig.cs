using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.ControlPlane.Moxi;

namespace Sharpcracker.Hosting;

/// <summary>
/// Where the configuration comes from (a YAML file, or moxi-style -z sources) and what keeps it
/// live once the proxy runs: SIGHUP, --watch-config, the vBucket HTTP stream.
/// </summary>
internal sealed class LiveConfig : IAsyncDisposable
{
    private ConfigReloader? _reloader;
    private VBucketStreamClient? _stream;
    // SIGHUP between the listeners opening and the reloader's own handler (Start): remembered, and
    // the reload run by Start, so a reload asked for while the proxy starts is never lost.
    private PosixSignalRegistration? _earlySighup;
    private volatile bool _sighupBeforeStart;

    private LiveConfig(string name, Func<ProxyConfig> load, IReadOnlyList<string> files, MoxiConfigSource? moxi)
    {
        Name = name;
        Load = load;
        Files = files;
        Moxi = moxi;
    }

    /// <summary>The file (or -z description) named in messages.</summary>
    public string Name { get; }

    /// <summary>Reads the configuration as it is now; throws <see cref="ConfigException"/>.</summary>
    public Func<ProxyConfig> Load { get; }

    public IReadOnlyList<string> Files { get; }

    public MoxiConfigSource? Moxi { get; }

    /// <exception cref="ArgumentException">Bad -z / -Z values.</exception>
    public static LiveConfig FromOptions(CommandLineOptions options)
    {
        if (options.MoxiConfigs.Count == 0 && options.MoxiOptions.Count == 0)
        {
            var file = options.ConfigFile;
            return new LiveConfig(file, () => ConfigLoader.LoadFile(file), [file], null);
        }
        var moxi = new MoxiConfigSource(options.MoxiConfigs, options.MoxiOptions);
        return new LiveConfig(moxi.Description, moxi.Build, moxi.Files, moxi);
    }

    /// <summary>The watched files' contents hash taken just before <see cref="LoadFirst"/> read them.</summary>
    private string? _loadedFingerprint;

    /// <summary>The first read of the configuration, its files' fingerprint taken first (--watch-config compares with it).</summary>
    public ProxyConfig LoadFirst()
    {
        _loadedFingerprint = Files.Count > 0 ? ConfigReloader.FingerprintOf(Files) : null;
        return Load();
    }

    /// <summary>Before the host starts: a SIGHUP from now on is remembered until <see cref="Start"/> can reload.</summary>
    public void CatchEarlySighup()
    {
        if (!OperatingSystem.IsWindows())
        {
            _earlySighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                _sighupBeforeStart = true;
            });
        }
    }

    /// <summary>Starts reloading on SIGHUP, --watch-config and the HTTP stream, against a started host.</summary>
    public void Start(ProxyHost host, bool watch)
    {
        var loggerFactory = host.Services.GetRequiredService<ILoggerFactory>();
        _reloader = new ConfigReloader(host, Load, Files, loggerFactory.CreateLogger("Sharpcracker.Config"));
        _reloader.HandleSighup();
        _earlySighup?.Dispose();
        if (_sighupBeforeStart)
        {
            _ = _reloader.ReloadAsync("SIGHUP"); // sent while the proxy was starting
        }
        if (watch && Files.Count > 0)
        {
            _reloader.Watch(_loadedFingerprint);
        }
        if (Moxi is { StreamUrls.Count: > 0 } moxi)
        {
            var reloader = _reloader;
            _stream = new VBucketStreamClient(moxi.StreamUrls, map =>
            {
                moxi.SetStreamMap(map);
                return reloader.ApplyAsync(moxi.Build, "vbucket stream");
            }, loggerFactory.CreateLogger("Sharpcracker.VBucketStream"), host.Timings);
            _stream.Start();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _earlySighup?.Dispose();
        if (_stream is not null)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        if (_reloader is not null)
        {
            await _reloader.DisposeAsync().ConfigureAwait(false);
        }
    }
}
