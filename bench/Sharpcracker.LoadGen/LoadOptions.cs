using System.Globalization;

namespace Sharpcracker.LoadGen;

public enum WireProtocol
{
    Memcached,
    Redis,
    /// <summary>memcached binary protocol: GET / GETKQ…+NOOP and SET.</summary>
    MemcachedBinary,
    /// <summary>Redis RESP3: every connection sends `HELLO 3` once (a `%` map with proto 3 expected) before any other traffic; then GET / MGET / SET as in Redis, replies parsed as RESP3 (`_` is the null).</summary>
    Redis3,
}

public enum KeyDistribution
{
    Uniform,
    Zipf,
}

/// <summary>What one load run does. Parsed from `--name value` arguments; every field has a default.</summary>
public sealed class LoadOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 22121;
    public WireProtocol Protocol { get; set; } = WireProtocol.Memcached;
    public int Connections { get; set; } = 16;
    /// <summary>Requests each connection keeps in flight (1 = wait for every reply).</summary>
    public int Pipeline { get; set; } = 1;
    public int Keys { get; set; } = 10_000;
    public KeyDistribution Distribution { get; set; } = KeyDistribution.Uniform;
    /// <summary>Zipf exponent for the zipf distribution (0.99 is the YCSB default).</summary>
    public double ZipfExponent { get; set; } = 0.99;
    public int ValueSize { get; set; } = 32;
    /// <summary>Fraction of requests that are reads (get, or multi-get when MultiGetKeys > 1); the rest are sets.</summary>
    public double GetRatio { get; set; } = 0.9;
    /// <summary>Keys per read; 1 = single-key get, more = one multi-key get/MGET.</summary>
    public int MultiGetKeys { get; set; } = 1;
    public double DurationSeconds { get; set; } = 5;
    /// <summary>When > 0, stop after this many measured requests instead of after DurationSeconds.</summary>
    public long Requests { get; set; }
    public double WarmupSeconds { get; set; } = 1;
    /// <summary>Verify every Nth read reply's values (1 = all). Framing and set replies are always checked.</summary>
    public int VerifyEvery { get; set; } = 1;
    /// <summary>Store every key before the run so reads hit.</summary>
    public bool Preload { get; set; } = true;
    /// <summary>Key names are Prefix + index; the default includes the value size so runs with different sizes never read each other's values.</summary>
    public string? KeyPrefix { get; set; }
    public string Label { get; set; } = "";
    public bool KeyValueOutput { get; set; }
    /// <summary>A connection that makes no progress for this long is an error (bounds every run).</summary>
    public double StallSeconds { get; set; } = 20;
    public int Seed { get; set; } = 12345;
    /// <summary>When > 0: a memcached-protocol port whose `stats` reports gc_allocated_bytes / gc_gen0_collections (Sharpcracker), read at the start and end of the measured window.</summary>
    public int StatsPort { get; set; }
    /// <summary>When > 0: a Redis-protocol port whose `INFO` reports gc_allocated_bytes / gc_gen0_collections in its Memory section (Sharpcracker), read at the start and end of the measured window.</summary>
    public int InfoPort { get; set; }
    /// <summary>Speak TLS to the target (the server certificate is not checked).</summary>
    public bool Tls { get; set; }
    /// <summary>When > 0: a process whose CPU time (/proc/PID/stat utime+stime) is read at the start and end of the measured window.</summary>
    public int ProxyPid { get; set; }

    public string EffectiveKeyPrefix => KeyPrefix ?? $"lg{ValueSize}:";

    public static string Usage => """
        sharpcracker-loadgen: memcached / Redis load generator with latency percentiles and reply verification
        (redis3: RESP3, every connection sends HELLO 3 first and must get a RESP3 map back)

          --host H (127.0.0.1)     --port N (22121)       --protocol mc|mcbin|redis|redis3 (mc)
          --connections N (16)     --pipeline N (1)       requests kept in flight per connection
          --keys N (10000)         --distribution uniform|zipf (uniform)   --zipf-exponent X (0.99)
          --value-size B (32, >= 16)   --get-ratio F (0.9)   --mget N (1: keys per read)
          --duration S (5)         --requests N (0: use --duration)   --warmup S (1)
          --verify-every N (1)     --no-preload           --key-prefix P (lg<size>:)
          --tls                    TLS to the target (certificate not checked)
          --stats-port N           read gc_allocated_bytes / gc_gen0_collections from this memcached port's `stats`
                                   at the start and end of the measured window (Sharpcracker)
          --info-port N            the same from this Redis port's `INFO` (its Memory section; Sharpcracker's Redis pools)
          --proxy-pid PID          CPU seconds of this process over the measured window (from /proc/PID/stat)
          --label TEXT             --kv (key=value output instead of JSON)   --stall S (20)   --seed N

        Prints one result line; exit code 0 when there were no errors, 2 when there were, 1 on bad arguments,
        3 when the target cannot be reached or refuses the handshake (redis3: HELLO 3).
        """;

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var o = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int NextInt(int min) => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
                ? v : throw new ArgumentException($"{name} needs an integer >= {min}");
            double NextDouble(double min) => double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min
                ? v : throw new ArgumentException($"{name} needs a number >= {min}");
            switch (name)
            {
                case "--host": o.Host = Next(); break;
                case "--port": o.Port = NextInt(1); break;
                case "--protocol":
                    o.Protocol = Next() switch
                    {
                        "mc" or "memcached" => WireProtocol.Memcached,
                        "redis" or "resp" or "redis2" or "resp2" => WireProtocol.Redis,
                        "redis3" or "resp3" => WireProtocol.Redis3,
                        "mcbin" or "binary" => WireProtocol.MemcachedBinary,
                        var p => throw new ArgumentException($"unknown protocol '{p}'"),
                    };
                    break;
                case "--connections": o.Connections = NextInt(1); break;
                case "--pipeline": o.Pipeline = NextInt(1); break;
                case "--keys": o.Keys = NextInt(1); break;
                case "--distribution":
                    o.Distribution = Next() switch
                    {
                        "uniform" => KeyDistribution.Uniform,
                        "zipf" => KeyDistribution.Zipf,
                        var d => throw new ArgumentException($"unknown distribution '{d}'"),
                    };
                    break;
                case "--zipf-exponent": o.ZipfExponent = NextDouble(0.01); break;
                case "--value-size": o.ValueSize = NextInt(ValuePattern.MinimumSize); break;
                case "--get-ratio": o.GetRatio = Math.Min(1, NextDouble(0)); break;
                case "--mget": o.MultiGetKeys = NextInt(1); break;
                case "--duration": o.DurationSeconds = NextDouble(0.1); break;
                case "--requests": o.Requests = NextInt(1); break;
                case "--warmup": o.WarmupSeconds = NextDouble(0); break;
                case "--verify-every": o.VerifyEvery = NextInt(1); break;
                case "--no-preload": o.Preload = false; break;
                case "--key-prefix": o.KeyPrefix = Next(); break;
                case "--label": o.Label = Next(); break;
                case "--kv": o.KeyValueOutput = true; break;
                case "--stall": o.StallSeconds = NextDouble(0.5); break;
                case "--seed": o.Seed = NextInt(0); break;
                case "--stats-port": o.StatsPort = NextInt(1); break;
                case "--info-port": o.InfoPort = NextInt(1); break;
                case "--tls": o.Tls = true; break;
                case "--proxy-pid": o.ProxyPid = NextInt(1); break;
                default: throw new ArgumentException($"unknown option '{name}'");
            }
        }
        if (o.MultiGetKeys > o.Keys)
        {
            throw new ArgumentException("--mget must not exceed --keys");
        }
        if (o.StatsPort > 0 && o.InfoPort > 0)
        {
            throw new ArgumentException("--stats-port and --info-port both read the allocation counters: give one");
        }
        return o;
    }
}
