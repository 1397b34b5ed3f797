using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Protocols.Memcached;
using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.Tests.Engine;

/// <summary>
/// One <see cref="ServerConnection"/> on one running worker, against a loopback socket the test
/// accepts and plays the server on (no real server): FIFO delivery, split replies, partial sends,
/// failure fan-out with its kind and counters, timeouts, a close by the proxy, back-off refusal,
/// and the handshake pipelined ahead of requests. Everything the connection is asked to do runs
/// on the worker (<see cref="Worker.InvokeAsync"/>), as in production.
/// </summary>
public sealed class ServerConnectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly Worker _worker = new(0, NullLogger.Instance);
    private ServerPool? _pool;
    private ServerConnection? _connection;

    public ServerConnectionTests()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4);
        _worker.Start();
    }

    private int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    private PoolServer Server => _pool!.Servers[0];

    private ServerConnection Connection => _connection!;

    /// <summary>A pool with one server (the test's listener) and one connection to it on the worker.</summary>
    private async Task CreateAsync(string extra = "", bool redis = false, int inflightLimit = 100_000)
    {
        var config = ConfigLoader.Parse($"""
            p:
              listen: 127.0.0.1:1
              redis: {(redis ? "true" : "false")}
            {extra}  servers:
                - 127.0.0.1:{Port}:1 s

            """, "t.yml");
        _pool = new ServerPool(config.Pools[0], NullLogger.Instance, protocol: config.Pools[0].Redis ? RedisPoolProtocol.Instance : McPoolProtocol.Instance);
        await _worker.InvokeAsync(() => _connection = new ServerConnection(Server, _worker, NullLogger.Instance, inflightLimit));
    }

    /// <summary>Queues one request per payload, on the worker, in one pass.</summary>
    private Task EnqueueAsync(params (LineRequest Request, string Bytes)[] requests)
        => _worker.InvokeAsync(() =>
        {
            foreach (var (request, bytes) in requests)
            {
                Connection.Enqueue(request, Encoding.ASCII.GetBytes(bytes));
            }
        });

    private async Task<Socket> AcceptAsync()
    {
        var socket = await _listener.AcceptAsync().WaitAsync(Within);
        return socket;
    }

    private async Task<Socket> AcceptAsyncAfter(Func<Task> action)
    {
        await action();
        return await AcceptAsync();
    }

    /// <summary>Reads from the server side until <paramref name="length"/> bytes have come.</summary>
    private static async Task<string> ReadAsync(Socket server, int length)
    {
        var buffer = new byte[length];
        var got = 0;
        using var deadline = new CancellationTokenSource(Within);
        while (got < length)
        {
            var n = await server.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, deadline.Token);
            Assert.NotEqual(0, n);
            got += n;
        }
        return Encoding.ASCII.GetString(buffer);
    }

    private static Task WaitAsync(Func<bool> condition, string what)
        => Poll.UntilAsync(() => Task.FromResult(condition() ? "ok" : null), Within, what);

    private Task<T> OnWorkerAsync<T>(Func<T> read)
    {
        var result = default(T)!;
        return _worker.InvokeAsync(() => result = read()).ContinueWith(_ => result, TaskScheduler.Default);
    }

    [Fact]
    public async Task Replies_ReachTheirRequestsInFifoOrder_BytesGoOutInTheSameOrder()
    {
        await CreateAsync();
        var requests = Enumerable.Range(0, 3).Select(_ => new LineRequest()).ToArray();
        await EnqueueAsync((requests[0], "get a\r\n"), (requests[1], "get b\r\n"), (requests[2], "get c\r\n"));
        using var server = await AcceptAsync();
        Assert.Equal("get a\r\nget b\r\nget c\r\n", await ReadAsync(server, 21));
        await server.SendAsync("A\r\nB\r\nC\r\n"u8.ToArray());
        await WaitAsync(() => requests.All(r => r.Done), "every reply delivered");
        Assert.Equal(["A\r\n", "B\r\n", "C\r\n"], requests.Select(r => r.Reply));
        Assert.All(requests, r => Assert.Null(r.Failure));
        Assert.Equal(ServerConnectionState.Connected, await OnWorkerAsync(() => Connection.State));
        Assert.True(Connection.IsIdle);
        Assert.Equal((3, 3), (Server.Stats.Requests, Server.Stats.Responses));
    }

    [Fact]
    public async Task QueuingARequest_AllocatesNothing_OnceTheConnectionIsWarm()
    {
        await CreateAsync();
        const int Count = 64;
        var requests = Enumerable.Range(0, Count).Select(_ => new LineRequest()).ToArray();
        using var server = await AcceptAsyncAfter(() => EnqueueAsync([.. requests.Select(r => (r, "get a\r\n"))]));
        await ReadAsync(server, Count * 7);
        await server.SendAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("A\r\n", Count))));
        await WaitAsync(() => requests.All(r => r.Done), "the warm-up answered");
        // Warm: the FIFO, the output buffer and the writer's delegate exist. The same requests again,
        // measured on the worker's thread around the Enqueue calls alone.
        long allocated = -1;
        foreach (var request in requests)
        {
            request.Reset();
        }
        await _worker.InvokeAsync(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var request in requests)
            {
                Connection.Enqueue(request, "get a\r\n"u8);
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.Equal(0, allocated);
        await ReadAsync(server, Count * 7);
        await server.SendAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("A\r\n", Count))));
        await WaitAsync(() => requests.All(r => r.Done), "every reply delivered");
    }

    [Fact]
    public async Task AReplySplitAcrossReceives_IsDeliveredOnceComplete()
    {
        await CreateAsync();
        var first = new LineRequest();
        var second = new LineRequest();
        await EnqueueAsync((first, "get a\r\n"), (second, "get b\r\n"));
        using var server = await AcceptAsync();
        await ReadAsync(server, 14);
        await server.SendAsync("VALUE a 0 1"u8.ToArray());
        // The connection looked at the incomplete reply and waits for more.
        await WaitAsync(() => first.IncompleteFrames > 0, "the first part received");
        Assert.False(first.Done);
        await server.SendAsync("\r\nB"u8.ToArray());
        await WaitAsync(() => first.Done && second.IncompleteFrames > 0, "the first reply complete, the second begun");
        Assert.False(second.Done);
        await server.SendAsync("\r\n"u8.ToArray());
        await WaitAsync(() => second.Done, "the second reply complete");
        Assert.Equal(("VALUE a 0 1\r\n", "B\r\n"), (first.Reply, second.Reply));
    }

    [Fact]
    public async Task APartialSend_CompletesEverythingInOrder_OnceTheServerReads()
    {
        await CreateAsync();
        // Far more than the socket buffers hold, so the first send stops short and the rest waits for writability.
        const int Count = 256;
        var payload = new string('x', 64 * 1024 - 2) + "\r\n";
        var requests = Enumerable.Range(0, Count).Select(_ => new LineRequest()).ToArray();
        await EnqueueAsync([.. requests.Select(r => (r, payload))]);
        using var server = await AcceptAsync();
        await WaitAsync(() => server.Available > 0, "the first bytes sent");
        var buffer = new byte[256 * 1024];
        long received = 0;
        var lines = 0;
        while (lines < Count)
        {
            var n = await server.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Within);
            Assert.NotEqual(0, n);
            for (var i = 0; i < n; i++)
            {
                Assert.True(buffer[i] == (byte)(((received + i) % payload.Length) switch
                {
                    var p when p == payload.Length - 2 => '\r',
                    var p when p == payload.Length - 1 => '\n',
                    _ => 'x',
                }), "bytes arrive whole and in order");
                if (buffer[i] == '\n')
                {
                    await server.SendAsync(Encoding.ASCII.GetBytes($"{lines}\r\n"));
                    lines++;
                }
            }
            received += n;
        }
        Assert.Equal((long)Count * payload.Length, received);
        await WaitAsync(() => requests.All(r => r.Done), "every reply delivered");
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"{i}\r\n"), requests.Select(r => r.Reply));
    }

    [Fact]
    public async Task TheServerClosing_FailsEveryQueuedRequestWithServerClosed_AndCountsServerEof()
    {
        await CreateAsync();
        var requests = Enumerable.Range(0, 3).Select(_ => new LineRequest()).ToArray();
        await EnqueueAsync((requests[0], "get a\r\n"), (requests[1], "get b\r\n"), (requests[2], "get c\r\n"));
        using (var server = await AcceptAsync())
        {
            await ReadAsync(server, 21);
            await server.SendAsync("A\r\n"u8.ToArray()); // the first is answered, then the server goes
            server.Shutdown(SocketShutdown.Both);
        }
        await WaitAsync(() => requests.All(r => r.Done), "every request completed");
        Assert.Equal("A\r\n", requests[0].Reply);
        Assert.All(requests[1..], r =>
        {
            Assert.Equal(ServerFailureKind.ServerClosed, r.Failure!.Kind);
            Assert.Equal("unknown", r.Failure.Text); // twemproxy's text: clients see SERVER_ERROR unknown
        });
        Assert.Same(requests[1].Failure, requests[2].Failure); // one failure object per connection failure
        Assert.Equal((1, 0, 0), (Server.Stats.ServerEof, Server.Stats.ServerErr, Server.Stats.ServerTimedOut));
        Assert.Equal(2, _pool!.Stats.ForwardError);
        Assert.Equal(1, Server.Health.Failures);
        Assert.Equal(ServerConnectionState.Disconnected, await OnWorkerAsync(() => Connection.State));
        Assert.True(Connection.IsIdle);
    }

    [Fact]
    public async Task TheServerClosingAnIdleConnection_FailsNothing_IsNoFailure_TheNextRequestReconnectsAtOnce()
    {
        await CreateAsync();
        for (var round = 0; round < 3; round++)
        {
            var request = new LineRequest();
            await EnqueueAsync((request, "get a\r\n"));
            using (var server = await AcceptAsync())
            {
                await ReadAsync(server, 7);
                await server.SendAsync("A\r\n"u8.ToArray());
                await WaitAsync(() => request.Done, "the request answered");
                server.Shutdown(SocketShutdown.Both); // a restart or an idle timeout: nothing in flight
            }
            Assert.Equal("A\r\n", request.Reply);
            await WaitAsync(() => Server.Stats.ServerEof == round + 1, "the close seen");
            Assert.Equal(ServerConnectionState.Disconnected, await OnWorkerAsync(() => Connection.State));
            Assert.Equal(0, Server.Health.Failures); // no server failure, so no back-off and no ejection
            Assert.Null(Server.Health.RefuseConnect(Environment.TickCount64));
        }
        Assert.Equal(0, _pool!.Stats.ForwardError);
    }

    [Fact]
    public async Task FailedConnects_BackOff_RefusedRequestsGetTheFailedConnectsReason_NotALostConnections()
    {
        await CreateAsync();
        // A connection that answered is lost with a request in flight: a failure, but no back-off.
        var first = new LineRequest();
        await EnqueueAsync((first, "get a\r\n"));
        using (var server = await AcceptAsync())
        {
            await ReadAsync(server, 7);
            await server.SendAsync("A\r\n"u8.ToArray());
            await WaitAsync(() => first.Done, "the first answered");
            var lost = new LineRequest();
            await EnqueueAsync((lost, "get b\r\n"));
            await ReadAsync(server, 7);
            server.Shutdown(SocketShutdown.Both);
            await WaitAsync(() => lost.Done, "the second failed");
            Assert.Equal("unknown", lost.Failure!.Text);
        }
        Assert.Equal(1, Server.Health.Failures);
        Assert.Null(Server.Health.RefuseConnect(Environment.TickCount64)); // the next request reconnects at once
        // Two connects that never answer (accepted, then reset with the request unanswered): back-off.
        var beforeSecond = 0L;
        for (var i = 0; i < 2; i++)
        {
            beforeSecond = Environment.TickCount64;
            var request = new LineRequest();
            await EnqueueAsync((request, "get c\r\n"));
            using (var server = await AcceptAsync())
            {
                await ReadAsync(server, 7);
                server.LingerState = new LingerOption(true, 0);
                server.Close(); // a reset
            }
            await WaitAsync(() => request.Done, "the request failed");
            Assert.Equal("Connection reset by peer", request.Failure!.Text);
        }
        Assert.Equal(3, Server.Health.Failures);
        // The window started by the second failed connect refuses with that connect's reason, not "unknown".
        Assert.Equal("Connection reset by peer", Server.Health.RefuseConnect(beforeSecond)?.Text);
        Assert.Same(Server.Health.LastConnectFailure, Server.Health.RefuseConnect(beforeSecond));
    }

    [Fact]
    public async Task ARequestOlderThanTheTimeout_FailsEveryRequestWithTimedOut()
    {
        await CreateAsync("  timeout: 100\n");
        var requests = new[] { new LineRequest(), new LineRequest() };
        await EnqueueAsync((requests[0], "get a\r\n"), (requests[1], "get b\r\n"));
        using var server = await AcceptAsync(); // accepts and reads, never answers
        await ReadAsync(server, 14);
        await WaitAsync(() => requests.All(r => r.Done), "every request timed out");
        Assert.All(requests, r =>
        {
            Assert.Equal(ServerFailureKind.TimedOut, r.Failure!.Kind);
            Assert.Equal("Connection timed out", r.Failure.Text);
        });
        Assert.Equal((0, 0, 1), (Server.Stats.ServerEof, Server.Stats.ServerErr, Server.Stats.ServerTimedOut));
    }

    [Fact]
    public async Task CloseByTheProxy_FailsQueuedRequestsWithClosedByProxy_AndCountsNothing()
    {
        await CreateAsync();
        var requests = new[] { new LineRequest(), new LineRequest() };
        await EnqueueAsync((requests[0], "get a\r\n"), (requests[1], "get b\r\n"));
        using var server = await AcceptAsync();
        await ReadAsync(server, 14);
        await _worker.InvokeAsync(Connection.Close);
        Assert.All(requests, r =>
        {
            Assert.True(r.Done);
            Assert.Equal(ServerFailureKind.ClosedByProxy, r.Failure!.Kind);
            Assert.Equal("Connection closed by proxy", r.Failure.Text);
        });
        Assert.Equal((0, 0, 0), (Server.Stats.ServerEof, Server.Stats.ServerErr, Server.Stats.ServerTimedOut));
        Assert.Equal(0, _pool!.Stats.ForwardError);
        Assert.Equal(0, Server.Health.Failures);
    }

    [Fact]
    public async Task ARequestDuringBackoff_IsRefusedAtOnceWithTheLastFailure_WithoutConnectingOrWriting()
    {
        await CreateAsync("  auto_eject_hosts: true\n  server_failure_limit: 1\n  server_retry_timeout: 600000\n");
        var last = ServerFailure.FromSocketError(SocketError.ConnectionRefused);
        Assert.True(Server.Health.OnConnectionFailed(last, ServerConnectionLoss.ConnectFailed, Environment.TickCount64)); // ejected: every connect refused
        var request = new LineRequest();
        var written = new StrongBox<bool>();
        var limitReached = true;
        await _worker.InvokeAsync(() => limitReached = Connection.Enqueue(request, new RecordingWriter(written)));
        Assert.True(request.Done);
        Assert.False(written.Value);
        Assert.False(limitReached);
        Assert.Same(last, request.Failure); // the failure object ServerHealth keeps, not a copy of its text
        Assert.Equal(ServerConnectionState.Disconnected, await OnWorkerAsync(() => Connection.State));
        Assert.True(Connection.IsIdle);
        Assert.False(_listener.Poll(0, SelectMode.SelectRead)); // no connect was attempted
        Assert.Equal(1, _pool!.Stats.ForwardError);
        Assert.Equal((0, 0, 0), (Server.Stats.ServerEof, Server.Stats.ServerErr, Server.Stats.ServerTimedOut));
    }

    [Fact]
    public async Task TheHandshake_GoesFirst_RequestsArePipelinedBehindIt_ConnectedOnceItsRepliesAccept()
    {
        await CreateAsync("  redis_db: 3\n", redis: true);
        var request = new LineRequest();
        await EnqueueAsync((request, "*1\r\n$4\r\nPING\r\n"));
        using var server = await AcceptAsync();
        // SELECT and the client's request arrive together, before any reply (no extra round trip).
        const string Expected = "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*1\r\n$4\r\nPING\r\n";
        Assert.Equal(Expected, await ReadAsync(server, Expected.Length));
        Assert.Equal(ServerConnectionState.Handshaking, await OnWorkerAsync(() => Connection.State));
        await server.SendAsync("+OK\r\n+PONG\r\n"u8.ToArray());
        await WaitAsync(() => request.Done, "the request answered");
        Assert.Equal("+PONG\r\n", request.Reply);
        Assert.Equal(ServerConnectionState.Connected, await OnWorkerAsync(() => Connection.State));
    }

    [Fact]
    public async Task AHandshakeRefusal_FailsTheQueuedRequestsWithHandshakeRefused()
    {
        await CreateAsync("  redis_auth: secret\n", redis: true);
        var request = new LineRequest();
        await EnqueueAsync((request, "*1\r\n$4\r\nPING\r\n"));
        using var server = await AcceptAsync();
        await ReadAsync(server, "*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n*1\r\n$4\r\nPING\r\n".Length);
        await server.SendAsync("-WRONGPASS invalid password\r\n"u8.ToArray());
        await WaitAsync(() => request.Done, "the request failed");
        Assert.Equal(ServerFailureKind.HandshakeRefused, request.Failure!.Kind);
        Assert.Equal("backend authentication failed: WRONGPASS invalid password", request.Failure.Text);
        Assert.Equal((0, 1, 0), (Server.Stats.ServerEof, Server.Stats.ServerErr, Server.Stats.ServerTimedOut));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await _worker.InvokeAsync(connection.Close);
        }
        _worker.Dispose();
        _pool?.Dispose();
        _listener.Dispose();
    }

    /// <summary>Writes a request and records that it was asked to.</summary>
    private readonly struct RecordingWriter(StrongBox<bool> written) : IRequestWriter<RecordingWriter>
    {
        private readonly StrongBox<bool> _written = written;

        public static void Write(Sharpcracker.Common.ByteBuffer output, scoped in RecordingWriter writer)
        {
            writer._written.Value = true;
            output.Write("get a\r\n"u8);
        }
    }

    /// <summary>
    /// A request whose reply is one line. Completed on the worker; the test reads its fields after
    /// polling <see cref="Done"/> (volatile), which orders the reads after the worker's writes.
    /// </summary>
    private sealed class LineRequest : ServerRequest
    {
        private volatile bool _done;

        public bool Done => _done;

        /// <summary>Ready to be queued again (test thread, while the request is not in flight).</summary>
        public void Reset()
        {
            Reply = null;
            Failure = null;
            _incompleteFrames = 0;
            _done = false;
        }

        public string? Reply { get; private set; }

        public ServerFailure? Failure { get; private set; }

        /// <summary>How often the framer saw this request's reply incomplete.</summary>
        public int IncompleteFrames => Volatile.Read(ref _incompleteFrames);

        private int _incompleteFrames;

        public override int TryFrame(ReadOnlySpan<byte> data, ref int scan)
        {
            var nl = data.IndexOf((byte)'\n');
            if (nl < 0)
            {
                Interlocked.Increment(ref _incompleteFrames);
                return 0;
            }
            return nl + 1;
        }

        public override void OnReply(ReadOnlySpan<byte> reply)
        {
            Assert.False(_done, "completed once");
            Reply = Encoding.ASCII.GetString(reply);
            _done = true;
        }

        public override void OnFailure(ServerFailure failure)
        {
            Assert.False(_done, "completed once");
            Failure = failure;
            _done = true;
        }
    }
}
