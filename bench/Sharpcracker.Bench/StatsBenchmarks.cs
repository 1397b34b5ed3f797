using BenchmarkDotNet.Attributes;
using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Stats;

namespace Sharpcracker.Bench;

/// <summary>
/// What the stats add to one forwarded request: the calls a server connection makes for it
/// (BeginRequest + Committed when queued, Sent per batch, Replied with its latency), single
/// threaded (uncontended interlocked operations, as under the connection's lock). Compare with
/// the proxy's CPU time per request (docs/performance.md) for the relative cost.
/// </summary>
[MemoryDiagnoser]
public class StatsBenchmarks
{
    private ConnectionStats _connection = null!;
    private PoolStats _pool = null!;
    private readonly Request _request = new();

    [GlobalSetup]
    public void Setup()
    {
        _pool = new PoolStats("bench", ["s0"], register: false);
        _connection = _pool.Servers[0].AddConnection();
        _request.StatsClass = CommandClass.Retrieval;
    }

    [Benchmark(Description = "stats per request (queue, send, reply + latency; timestamps from the worker's pass clock)")]
    public void PerRequest()
    {
        _connection.BeginRequest(0);
        _connection.Committed(_request, 24, 1000);
        _connection.Sent();
        _connection.Replied(_request, 40, 1250);
    }

    private sealed class Request : ServerRequest
    {
        public override int TryFrame(ReadOnlySpan<byte> data, ref int scan) => 0;

        public override void OnReply(ReadOnlySpan<byte> reply)
        {
        }

        public override void OnFailure(ServerFailure failure)
        {
        }
    }
}
