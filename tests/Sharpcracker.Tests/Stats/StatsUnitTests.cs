using System.Diagnostics;
using System.Text.Json;
using Sharpcracker.Common;
using Sharpcracker.Engine;
using Sharpcracker.Hosting;
using Sharpcracker.OperatorConsole;
using Sharpcracker.Stats;

namespace Sharpcracker.Tests.Stats;

/// <summary>Stats objects and renderers without a server.</summary>
public sealed class StatsUnitTests
{
    [Theory]
    [InlineData(0.000001, 0)]      // 1 µs → le 10 µs
    [InlineData(0.00001, 0)]       // exactly on a bound belongs to that bucket
    [InlineData(0.000011, 1)]
    [InlineData(0.00015, 4)]       // → le 200 µs
    [InlineData(0.003, 8)]         // → le 5 ms
    [InlineData(10.0, 18)]
    [InlineData(11.0, 19)]         // +Inf
    public void Histogram_PutsAnObservationIntoItsBucket(double seconds, int bucket)
    {
        var h = new LatencyHistogram();
        h.Record((long)Math.Round(seconds * Stopwatch.Frequency));
        var counts = new long[LatencyHistogram.BucketCount];
        h.AddTo(counts);
        Assert.Equal(1, counts[bucket]);
        Assert.Equal(1, counts.Sum());
        Assert.Equal(1, h.Count);
    }

    [Fact]
    public void Histogram_CountsEveryRecordFromManyThreads()
    {
        var h = new LatencyHistogram();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10000; i++)
            {
                h.Record(i);
            }
        });
        Assert.Equal(80000, h.Count);
    }

    [Fact]
    public void Json_UsesTwemproxysLayoutAndEscapesNames()
    {
        using var pool = new PoolStats("p\"1", ["a", "b\\c"], register: false);
        pool.ClientOpened();
        // As the sessions count a split (per worker) and a server connection counts a queued request.
        pool.FragmentsCreated(worker: 0, count: 1);
        pool.FragmentsCreated(worker: 1, count: 2);
        StubBackendRequest.Queue(pool.Servers[0].AddConnection(), bytes: 10);
        var json = TwemproxyStatsJson.RenderText([pool]);
        using var doc = JsonDocument.Parse(json);
        var p = doc.RootElement.GetProperty("p\"1");
        Assert.Equal(3, p.GetProperty("fragments").GetInt64());
        Assert.Equal(1, p.GetProperty("client_connections").GetInt64());
        Assert.Equal(10, p.GetProperty("a").GetProperty("request_bytes").GetInt64());
        Assert.Equal([.. TwemproxyStatsKeys.Pool, "a", "b\\c"], p.EnumerateObject().Select(x => x.Name));
        Assert.Contains("\"fragments\":3, \"a\": {\"server_eof\":0, ", json);
        Assert.Contains("\"out_queue_bytes\":0},\"b\\\\c\": {", json);
        Assert.EndsWith("\"out_queue_bytes\":0}}}\n", json);
    }

    [Fact]
    public void Prometheus_RendersCountersHistogramsAndEscapedLabels()
    {
        using var pool = new PoolStats("we\"ird", ["s0"], register: false);
        pool.ForwardErrors(2);
        var text = PrometheusExposition.Render([pool]);
        Assert.Contains("sharpcracker_forward_error_total{pool=\"we\\\"ird\"} 2\n", text);
        Assert.Contains("# TYPE sharpcracker_server_request_duration_seconds histogram\n", text);
        Assert.Contains("sharpcracker_server_request_duration_seconds_bucket{pool=\"we\\\"ird\",server=\"s0\",command=\"storage\",le=\"0.00001\"} 0\n", text);
        Assert.Contains("le=\"+Inf\"", text);
        // Every sample line is "name{labels} value" or "name value".
        Assert.All(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')),
            l => Assert.Matches(@"^[a-z_]+(\{.*\})? -?[0-9.eE+-]+$", l));
    }

    [Fact]
    public void ConnectionStats_TrackQueuesThroughSendReplyAndFailure()
    {
        using var pool = new PoolStats("p", ["s"], register: false);
        var server = pool.Servers[0];
        var connection = server.AddConnection();
        var r1 = new StubBackendRequest();
        var r2 = new StubBackendRequest();
        connection.BeginRequest(0);
        connection.Committed(r1, 7, 100);
        connection.BeginRequest(7);
        connection.Committed(r2, 20, 100);
        var q = server.SampleQueues();
        Assert.Equal((2, 20, 0, 0), (q.InQueue, q.InQueueBytes, q.OutQueue, q.OutQueueBytes));
        connection.Sent();
        q = server.SampleQueues();
        Assert.Equal((0, 0, 2, 20), (q.InQueue, q.InQueueBytes, q.OutQueue, q.OutQueueBytes));
        connection.Replied(r1, 5, 150);
        q = server.SampleQueues();
        Assert.Equal((1, 13), (q.OutQueue, q.OutQueueBytes));
        connection.Failed(Sharpcracker.Common.ServerFailure.ServerClosed, 1);
        q = server.SampleQueues();
        Assert.Equal((0, 0), (q.OutQueue, q.OutQueueBytes));
        Assert.Equal((2, 20, 1, 5), (server.Requests, server.RequestBytes, server.Responses, server.ResponseBytes));
        Assert.Equal(1, server.ServerEof);
        Assert.Equal(1, pool.ForwardError);
        connection.Failed(Sharpcracker.Common.ServerFailure.ClosedByProxy, 3);
        Assert.Equal((1, 0, 1), (server.ServerEof, server.ServerErr, pool.ForwardError));
        server.Ejected();
        Assert.Equal(1, pool.ServerEjects);
        Assert.InRange(server.EjectedAtMicros, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() * 1000, DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds() * 1000);
    }

    [Fact]
    public void CommandLine_MetricsPortHasOnlyALongForm()
    {
        Assert.Equal(0, CommandLineOptions.Parse([]).MetricsPort);
        Assert.Equal(9100, CommandLineOptions.Parse(["--metrics-port=9100"]).MetricsPort);
        Assert.Equal(9100, CommandLineOptions.Parse(["--metrics-port", "9100"]).MetricsPort);
        Assert.Throws<ArgumentException>(() => CommandLineOptions.Parse(["--metrics-port=0"]));
        Assert.Throws<ArgumentException>(() => CommandLineOptions.Parse(["--metrics-port"]));
        Assert.Contains("--metrics-port", CommandLineOptions.HelpText("1.0"));
    }

    [Fact]
    public void DescribeStats_KeepsNutcrackersSectionsAndAddsOurs()
    {
        var text = StatsDescription.Render();
        Assert.StartsWith("pool stats:\n  client_eof          \"# eof on client connections\"\n", text);
        Assert.Contains("\nserver stats:\n", text);
        Assert.Contains("\nsharpcracker notes:\n  fragments           \"counted for real", text);
    }

    [Fact]
    public void LogFilter_FollowsTheRunTimeVerbosity()
    {
        var before = LogControl.Verbosity;
        try
        {
            LogControl.SetVerbosity(6);
            Assert.False(LogControl.Filter("x", Microsoft.Extensions.Logging.LogLevel.Debug));
            Assert.True(LogControl.Filter("x", Microsoft.Extensions.Logging.LogLevel.Information));
            LogControl.SetVerbosity(7);
            Assert.True(LogControl.Filter("x", Microsoft.Extensions.Logging.LogLevel.Debug));
            LogControl.SetVerbosity(0);
            Assert.False(LogControl.Filter("x", Microsoft.Extensions.Logging.LogLevel.Error));
            Assert.True(LogControl.Filter(LogControl.Category, Microsoft.Extensions.Logging.LogLevel.Information));
            LogControl.SetVerbosity(99);
            Assert.Equal(11, LogControl.Verbosity);
        }
        finally
        {
            LogControl.SetVerbosity(before);
        }
    }
}
