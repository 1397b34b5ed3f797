using System.Diagnostics.Metrics;
using Sharpcracker.Common;
using Sharpcracker.Engine;

namespace Sharpcracker.Stats;

/// <summary>
/// The "Sharpcracker" Meter, so dotnet-counters / OpenTelemetry see the proxy: observable
/// instruments read the same counters the stats port reports (no second set of counters on the
/// hot path), and one histogram of request durations that is recorded only while a listener is
/// enabled (<see cref="Histogram{T}.Enabled"/>), so it costs one branch when nobody listens.
/// </summary>
internal static class ProxyMeter
{
    public const string MeterName = "Sharpcracker";

    public static readonly Meter Meter = new(MeterName, ProcessFacts.Version);

    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram(
        "sharpcracker.request.duration", "s", "Time from queueing a request for a server to its complete reply",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyHistogram.BoundsSeconds });

    static ProxyMeter()
    {
        ServerCounter("sharpcracker.server.requests", "{request}", "Requests forwarded to the server", s => s.Requests);
        ServerCounter("sharpcracker.server.request_bytes", "By", "Request bytes forwarded to the server", s => s.RequestBytes);
        ServerCounter("sharpcracker.server.responses", "{response}", "Responses received from the server", s => s.Responses);
        ServerCounter("sharpcracker.server.response_bytes", "By", "Response bytes received from the server", s => s.ResponseBytes);
        ServerCounter("sharpcracker.server.eof", "{event}", "Server closed a connection", s => s.ServerEof);
        ServerCounter("sharpcracker.server.errors", "{event}", "Errors on server connections", s => s.ServerErr);
        ServerCounter("sharpcracker.server.timeouts", "{event}", "Timeouts on server connections", s => s.ServerTimedOut);
        Meter.CreateObservableUpDownCounter("sharpcracker.server.connections", () => EachServer(s => s.SampleQueues().Connections), "{connection}", "Open server connections");
        Meter.CreateObservableUpDownCounter("sharpcracker.server.in_queue", () => EachServer(s => s.SampleQueues().InQueue), "{request}", "Requests queued, not yet sent");
        Meter.CreateObservableUpDownCounter("sharpcracker.server.out_queue", () => EachServer(s => s.SampleQueues().OutQueue), "{request}", "Requests sent, waiting for a reply");
        PoolCounter("sharpcracker.pool.client_eof", "{event}", "Client connections closed by the client", p => p.ClientEofCount);
        PoolCounter("sharpcracker.pool.client_errors", "{event}", "Client connections closed by an error", p => p.ClientErrCount);
        PoolCounter("sharpcracker.pool.server_ejects", "{event}", "Server ejections", p => p.ServerEjects);
        PoolCounter("sharpcracker.pool.forward_errors", "{request}", "Requests failed because they could not be forwarded", p => p.ForwardError);
        PoolCounter("sharpcracker.pool.fragments", "{request}", "Fragments created by splitting multi-key requests", p => p.Fragments);
        Meter.CreateObservableUpDownCounter("sharpcracker.pool.client_connections", () => EachPool(p => p.ClientConnections), "{connection}", "Open client connections");
    }

    /// <summary>Creates the instruments (the static constructor) so listeners see them from the start.</summary>
    public static void EnsureCreated()
    {
    }

    private static void ServerCounter(string name, string unit, string description, Func<ServerStats, long> value)
        => Meter.CreateObservableCounter(name, () => EachServer(value), unit, description);

    private static void PoolCounter(string name, string unit, string description, Func<PoolStats, long> value)
        => Meter.CreateObservableCounter(name, () => EachPool(value), unit, description);

    private static IEnumerable<Measurement<long>> EachServer(Func<ServerStats, long> value)
    {
        foreach (var pool in StatsRegistry.Pools)
        {
            foreach (var server in pool.Servers)
            {
                yield return new Measurement<long>(value(server), new KeyValuePair<string, object?>("pool", pool.Name), new KeyValuePair<string, object?>("server", server.Name));
            }
        }
    }

    private static IEnumerable<Measurement<long>> EachPool(Func<PoolStats, long> value)
    {
        foreach (var pool in StatsRegistry.Pools)
        {
            yield return new Measurement<long>(value(pool), new KeyValuePair<string, object?>("pool", pool.Name));
        }
    }
}
