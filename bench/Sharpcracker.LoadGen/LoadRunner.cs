using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Sharpcracker.LoadGen;

/// <summary>The outcome of one run.</summary>
public sealed class LoadResult
{
    public required LoadOptions Options { get; init; }
    public required ReplyTally Totals { get; init; }
    public required double Seconds { get; init; }
    public required IReadOnlyList<string> ErrorSamples { get; init; }
    public ProxySample ProxyStart { get; init; } = new(-1, -1, -1);
    public ProxySample ProxyEnd { get; init; } = new(-1, -1, -1);
    /// <summary>Proxy CPU seconds per million measured requests, or -1.</summary>
    public double ProxyCpuPerMillion => ProxyStart.CpuSeconds < 0 || Requests == 0 ? -1 : (ProxyEnd.CpuSeconds - ProxyStart.CpuSeconds) / (Requests / 1e6);
    public double ProxyBytesPerRequest => ProxyStart.AllocatedBytes < 0 || ProxyEnd.AllocatedBytes < 0 || Requests == 0 ? -1 : (ProxyEnd.AllocatedBytes - ProxyStart.AllocatedBytes) / (double)Requests;
    public double ProxyGen0PerMillion => ProxyStart.Gen0Collections < 0 || ProxyEnd.Gen0Collections < 0 || Requests == 0 ? -1 : (ProxyEnd.Gen0Collections - ProxyStart.Gen0Collections) / (Requests / 1e6);
    public long Requests => Totals.Completed;
    public long Errors => Totals.Errors;
    public double RequestsPerSecond => Seconds > 0 ? Requests / Seconds : 0;
    public double KeysPerSecond => Seconds > 0 ? (Totals.Writes + Totals.KeysRequested) * (Requests / (double)Math.Max(1, Totals.Reads + Totals.Writes)) / Seconds : 0;
    public double Percentile(double q) => Totals.Latency.ValueAtQuantile(q) / 1000.0;

    public string Render()
    {
        var o = Options;
        var fields = new (string Name, object Value)[]
        {
            ("label", o.Label),
            ("protocol", o.Protocol switch { WireProtocol.Redis => "redis", WireProtocol.Redis3 => "redis3", WireProtocol.MemcachedBinary => "mcbin", _ => "mc" }),
            ("port", o.Port),
            ("connections", o.Connections),
            ("pipeline", o.Pipeline),
            ("value_size", o.ValueSize),
            ("mget", o.MultiGetKeys),
            ("get_ratio", o.GetRatio),
            ("keys", o.Keys),
            ("distribution", o.Distribution.ToString().ToLowerInvariant()),
            ("seconds", Math.Round(Seconds, 3)),
            ("requests", Requests),
            ("rps", Math.Round(RequestsPerSecond, 0)),
            ("kps", Math.Round(KeysPerSecond, 0)),
            ("p50_us", Math.Round(Percentile(0.50), 1)),
            ("p99_us", Math.Round(Percentile(0.99), 1)),
            ("p999_us", Math.Round(Percentile(0.999), 1)),
            ("max_us", Math.Round(Totals.Latency.MaxNanoseconds / 1000.0, 1)),
            ("hits", Totals.Hits),
            ("misses", Totals.Misses),
            ("verified", Totals.Verified),
            ("errors", Errors),
            ("proxy_cpu_s_per_mreq", Math.Round(ProxyCpuPerMillion, 3)),
            ("proxy_alloc_bytes", ProxyStart.AllocatedBytes < 0 ? -1 : ProxyEnd.AllocatedBytes - ProxyStart.AllocatedBytes),
            ("proxy_bytes_per_req", Math.Round(ProxyBytesPerRequest, 2)),
            ("proxy_gen0", ProxyStart.Gen0Collections < 0 ? -1 : ProxyEnd.Gen0Collections - ProxyStart.Gen0Collections),
            ("proxy_gen0_per_mreq", Math.Round(ProxyGen0PerMillion, 2)),
        };
        var sb = new StringBuilder();
        if (o.KeyValueOutput)
        {
            foreach (var (name, value) in fields)
            {
                sb.Append(sb.Length == 0 ? "" : " ").Append(name).Append('=').Append(Format(value, quote: false));
            }
        }
        else
        {
            sb.Append('{');
            foreach (var (name, value) in fields)
            {
                sb.Append(sb.Length == 1 ? "" : ",").Append('"').Append(name).Append("\":").Append(Format(value, quote: true));
            }
            sb.Append(",\"error_samples\":[");
            sb.AppendJoin(',', ErrorSamples.Select(e => Format(e, quote: true)));
            sb.Append("]}");
        }
        return sb.ToString();
    }

    private static string Format(object value, bool quote) => value switch
    {
        string s when quote => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
        string s => s.Length == 0 ? "-" : s.Replace(' ', '_'),
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>Connects, preloads, warms up, measures, drains; a watchdog bounds every phase.</summary>
public static class LoadRunner
{
    public static async Task<LoadResult> RunAsync(LoadOptions options, CancellationToken cancel = default)
    {
        var keys = new KeySpace(options.EffectiveKeyPrefix, options.Keys, options.Distribution, options.ZipfExponent);
        var values = new ValuePattern(options.ValueSize);
        var codec = WireCodec.Create(options.Protocol, keys, values);
        var state = new RunState();
        var errors = new ErrorLog();
        var connections = new LoadConnection[options.Connections];
        for (var i = 0; i < connections.Length; i++)
        {
            connections[i] = new LoadConnection(options, codec, keys, state, i, errors);
        }
        try
        {
            using var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.StallSeconds));
            await Task.WhenAll(connections.Select(c => c.ConnectAsync())).WaitAsync(connectTimeout.Token);

            if (options.Preload)
            {
                var per = (options.Keys + connections.Length - 1) / connections.Length;
                await Watch(connections, options, connections.Select((c, i) =>
                    c.PreloadAsync(Math.Min(i * per, options.Keys), Math.Min((i + 1) * per, options.Keys))).ToArray(), cancel);
                // Preload replies are checked but are not part of the measurement.
                foreach (var c in connections)
                {
                    c.Tally.Latency.Clear();
                    c.Tally.Completed = 0;
                    c.Tally.Hits = c.Tally.Misses = c.Tally.Verified = 0;
                }
            }

            if (options.Requests > 0)
            {
                state.Budget = options.Requests;
            }
            state.SetPhase(options.WarmupSeconds > 0 ? RunState.Warmup : RunState.Measure);
            var running = connections.Select(c => Task.Run(c.RunAsync)).ToArray();
            var watch = Watch(connections, options, running, cancel);
            if (options.WarmupSeconds > 0)
            {
                await Task.WhenAny(watch, Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), cancel));
                state.SetPhase(RunState.Measure);
            }
            var measureStart = Stopwatch.GetTimestamp();
            var probeStart = await ProxyProbe.SampleAsync(options);
            double seconds;
            if (options.Requests > 0)
            {
                await watch;
                var last = connections.Max(c => c.LastCompletion);
                seconds = Stopwatch.GetElapsedTime(measureStart, Math.Max(last, measureStart)).TotalSeconds;
            }
            else
            {
                await Task.WhenAny(watch, Task.Delay(TimeSpan.FromSeconds(options.DurationSeconds), cancel));
                seconds = Stopwatch.GetElapsedTime(measureStart).TotalSeconds;
                state.SetPhase(RunState.Stop);
            }
            // Sampled when the window closes; the drain of replies still in flight is excluded
            // from the requests too, so the small tail cost in the proxy is the only skew.
            var probeEnd = await ProxyProbe.SampleAsync(options);
            await watch;

            var totals = new ReplyTally(errors);
            foreach (var c in connections)
            {
                totals.Add(c.Tally);
            }
            return new LoadResult
            {
                Options = options,
                Totals = totals,
                Seconds = seconds,
                ErrorSamples = errors.Samples,
                ProxyStart = probeStart,
                ProxyEnd = probeEnd,
            };
        }
        finally
        {
            foreach (var c in connections)
            {
                c.Dispose();
            }
        }
    }

    /// <summary>Waits for the tasks; a connection with no progress for StallSeconds is aborted (counted as an error).</summary>
    private static async Task Watch(LoadConnection[] connections, LoadOptions options, Task[] tasks, CancellationToken cancel)
    {
        var all = Task.WhenAll(tasks);
        var stall = (long)(options.StallSeconds * Stopwatch.Frequency);
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(250, CancellationToken.None));
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < connections.Length; i++)
            {
                if (!tasks[i].IsCompleted && (now - connections[i].LastProgress > stall || cancel.IsCancellationRequested))
                {
                    connections[i].Abort(cancel.IsCancellationRequested ? "cancelled" : $"no reply for {options.StallSeconds} s");
                }
            }
        }
        await all;
    }
}
