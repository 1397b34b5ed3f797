using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Protocols.Memcached;

namespace Sharpcracker.Tests.Engine;

/// <summary>
/// A stream request (<see cref="ServerRequest.IsStream"/>, ServerConnection.Push.cs) on a
/// dedicated connection, against a loopback socket the test plays the server on: it stays at the
/// FIFO head and gets every framed reply, commands written for it go out without a FIFO entry,
/// and a failure completes it once and ends the stream (nothing more is written).
/// </summary>
public sealed class ServerConnectionStreamTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly Worker _worker = new(0, NullLogger.Instance);
    private ServerPool? _pool;
    private ServerConnection? _connection;

    public ServerConnectionStreamTests()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4);
        _worker.Start();
    }

    private int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

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

    private Task<T> OnWorkerAsync<T>(Func<T> read)
    {
        var result = default(T)!;
        return _worker.InvokeAsync(() => result = read()).ContinueWith(_ => result, TaskScheduler.Default);
    }

    [Fact]
    public async Task AStream_GetsEveryFrame_StaysQueued_WritesNeedNoFifoEntry_AFailureEndsItOnce()
    {
        var config = ConfigLoader.Parse($"""
            p:
              listen: 127.0.0.1:1
              servers:
                - 127.0.0.1:{Port}:1 s

            """, "t.yml");
        _pool = new ServerPool(config.Pools[0], NullLogger.Instance, protocol: McPoolProtocol.Instance);
        var server = _pool.Servers[0];
        await _worker.InvokeAsync(() => _connection = new ServerConnection(server, _worker, NullLogger.Instance, 100, ServerDialect.Default, null, dedicated: true));
        var stream = new LineStream();
        Assert.True(await OnWorkerAsync(() => _connection!.OpenStream(stream, "watch a\r\n"u8)));
        using var peer = await _listener.AcceptAsync().WaitAsync(Within);
        Assert.Equal("watch a\r\n", await ReadAsync(peer, 9));
        Assert.True(await OnWorkerAsync(() => _connection!.WriteToStream("watch b\r\nwatch c\r\n"u8)));
        Assert.Equal("watch b\r\nwatch c\r\n", await ReadAsync(peer, 18));

        // Any number of frames, in one send or many: each reaches the stream, which stays queued.
        await peer.SendAsync("one\r\ntwo\r\n"u8.ToArray());
        await peer.SendAsync("thr"u8.ToArray());
        await Poll.UntilAsync(() => Task.FromResult(stream.Frames.Count == 2 ? "ok" : null), Within, "two frames");
        await peer.SendAsync("ee\r\n"u8.ToArray());
        await Poll.UntilAsync(() => Task.FromResult(stream.Frames.Count == 3 ? "ok" : null), Within, "three frames");
        Assert.Equal(["one\r\n", "two\r\n", "three\r\n"], stream.Frames);
        Assert.True(await OnWorkerAsync(() => _connection!.HasStream));
        Assert.False(_connection!.IsIdle); // the stream is in flight for as long as it lives
        Assert.Null(stream.Failure);

        // The server goes away: the stream fails once, and nothing more can be written for it.
        peer.Shutdown(SocketShutdown.Both);
        await Poll.UntilAsync(() => Task.FromResult(stream.Failure), Within, "the stream failed");
        Assert.Equal(ServerFailureKind.ServerClosed, stream.Failure!.Kind);
        Assert.Equal(1, stream.Failures);
        Assert.False(await OnWorkerAsync(() => _connection!.HasStream));
        Assert.False(await OnWorkerAsync(() => _connection!.WriteToStream("watch d\r\n"u8)));
        Assert.True(_connection.IsIdle);
    }

    /// <summary>A stream whose frames are lines; written on the worker, read by the test after polling.</summary>
    private sealed class LineStream : ServerRequest
    {
        private volatile ServerFailure? _failure;
        private int _failures;

        public LineStream() => TimeoutMs = NoTimeout;

        public override bool IsStream => true;

        public ConcurrentQueue<string> Frames { get; } = new();

        public ServerFailure? Failure => _failure;

        public int Failures => Volatile.Read(ref _failures);

        public override int TryFrame(ReadOnlySpan<byte> data, ref int scan)
        {
            var nl = data.IndexOf((byte)'\n');
            return nl < 0 ? 0 : nl + 1;
        }

        public override void OnReply(ReadOnlySpan<byte> reply) => Frames.Enqueue(Encoding.ASCII.GetString(reply));

        public override void OnFailure(ServerFailure failure)
        {
            Interlocked.Increment(ref _failures);
            _failure = failure;
        }
    }
}
