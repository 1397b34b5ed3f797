using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Pools;
using Sharpcracker.Protocols.Memcached;

namespace Sharpcracker.IntegrationTests.Engine;

/// <summary>
/// One <see cref="ClientSession{TRequest}"/> (memcached) on one worker, its client a loopback
/// socket pair, its servers scripted fakes (to answer in a chosen order, or hold replies) or a
/// real memcached: reply order, the phases a session goes through (<see cref="ClientPhase"/>),
/// its pauses (<see cref="ClientPause"/>) and how its close is counted.
/// </summary>
public sealed class ClientSessionTests(TestCertificates certs) : IClassFixture<TestCertificates>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    /// <summary>Records what the session logs at Error (an internal error closes the client with one).</summary>
    private sealed class ErrorLog : ILogger
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<string> Errors = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                Errors.Enqueue(formatter(state, exception) + " " + exception);
            }
        }
    }

    /// <summary>One worker, one memcached pool over <paramref name="servers"/>, and the sessions it starts for test clients.</summary>
    private sealed class Harness : IDisposable
    {
        private readonly Socket _listener;
        private long _nextId;

        public Harness(IEnumerable<int> servers, string extra = "")
        {
            var yaml = $"""
                pool:
                  listen: 127.0.0.1:{FreePort.Next()}
                  hash: fnv1a_64
                  distribution: ketama
                  timeout: 20000
                {extra}  servers:
                {string.Join("\n", servers.Select((p, i) => $"    - 127.0.0.1:{p}:1 s{i}"))}

                """;
            Workers = new WorkerGroup(1, Log);
            Pool = new ServerPool(ConfigLoader.Parse(yaml, "t.yml").Pools.Single(), Log, Workers, McPoolProtocol.Instance);
            _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(16);
        }

        public ErrorLog Log { get; } = new();
        public WorkerGroup Workers { get; }
        public Worker Worker => Workers[0];
        public ServerPool Pool { get; }

        /// <summary>A connected client and the session serving it, started on the worker.</summary>
        public async Task<(Socket Client, McClientSession Session)> ConnectAsync(int clientReceiveBuffer = 0, int sessionSendBuffer = 0)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            if (clientReceiveBuffer > 0)
            {
                client.ReceiveBufferSize = clientReceiveBuffer;
            }
            client.Connect(_listener.LocalEndPoint!);
            var accepted = _listener.Accept();
            accepted.Blocking = false;
            accepted.NoDelay = true;
            if (sessionSendBuffer > 0)
            {
                accepted.SendBufferSize = sessionSendBuffer;
            }
            McClientSession session = null!;
            Worker.ClientAssigned();
            var id = Interlocked.Increment(ref _nextId);
            await Worker.InvokeAsync(() =>
            {
                session = new McClientSession(Pool, Worker, accepted, id, Log);
                session.Start();
            });
            return (client, session);
        }

        /// <summary>The session's state, read on its worker.</summary>
        public async Task<(ClientPhase Phase, ClientPause Pause)> StateAsync(McClientSession session)
        {
            var state = (ClientPhase.Handshaking, ClientPause.None);
            await Worker.InvokeAsync(() => state = (session.Phase, session.Pause));
            return state;
        }

        public Task UntilAsync(McClientSession session, Func<ClientPhase, ClientPause, bool> condition, string what)
            => Poll.UntilAsync(async () =>
            {
                var (phase, pause) = await StateAsync(session);
                return condition(phase, pause) ? "ok" : null;
            }, s_wait, what);

        /// <summary>A key the pool routes to server <paramref name="index"/>.</summary>
        public string KeyOn(int index, string prefix)
            => Enumerable.Range(0, 1000).Select(i => $"{prefix}{i}").First(k => Pool.Route(Encoding.ASCII.GetBytes(k))!.Index == index);

        public void Dispose()
        {
            _listener.Dispose();
            Pool.Dispose();
            Workers.Dispose();
        }
    }

    private static void Send(Socket client, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += client.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
        }
    }

    private static async Task<string> ReadExactlyAsync(Socket client, int length)
    {
        var buffer = new byte[length];
        var got = 0;
        using var cts = new CancellationTokenSource(s_wait);
        while (got < length)
        {
            var n = await client.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new IOException($"closed after {got} of {length} bytes: {Encoding.ASCII.GetString(buffer, 0, got)}");
            }
            got += n;
        }
        return Encoding.ASCII.GetString(buffer);
    }

    /// <summary>Everything until the session closes the connection (a reset after what arrived counts as the end too).</summary>
    private static async Task<string> ReadToEndAsync(Socket client)
    {
        var all = new MemoryStream();
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(s_wait);
        while (true)
        {
            int n;
            try
            {
                n = await client.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                n = 0;
            }
            if (n == 0)
            {
                return Encoding.ASCII.GetString(all.ToArray());
            }
            all.Write(buffer, 0, n);
        }
    }

    private static Task UntilAsync(Func<bool> condition, string what)
        => Poll.UntilAsync(() => Task.FromResult(condition() ? "ok" : null), s_wait, what);

    [Fact]
    public async Task RepliesReachTheClientInRequestOrder_WhenTheSecondServerAnswersFirst()
    {
        var secondAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Server 0 holds every reply until server 1 has sent its own.
        using var first = new FakeBackend(async (_, _, line) =>
        {
            await secondAnswered.Task;
            return $"VALUE {line[4..]} 0 5\r\nfirst\r\nEND\r\n";
        });
        using var second = new FakeBackend((_, _, line) =>
        {
            secondAnswered.TrySetResult();
            return Task.FromResult<string?>($"VALUE {line[4..]} 0 6\r\nsecond\r\nEND\r\n");
        });
        using var harness = new Harness([first.Port, second.Port]);
        var (client, session) = await harness.ConnectAsync();
        using var _ = client;
        string a = harness.KeyOn(0, "a"), b = harness.KeyOn(1, "b"), c = harness.KeyOn(0, "c");

        Send(client, $"get {a}\r\nget {b}\r\nget {c}\r\n");
        var expected = $"VALUE {a} 0 5\r\nfirst\r\nEND\r\nVALUE {b} 0 6\r\nsecond\r\nEND\r\nVALUE {c} 0 5\r\nfirst\r\nEND\r\n";
        Assert.Equal(expected, await ReadExactlyAsync(client, expected.Length));
        Assert.True(secondAnswered.Task.IsCompleted);
        Assert.Equal((ClientPhase.Reading, ClientPause.None), await harness.StateAsync(session));
        Assert.Empty(harness.Log.Errors);
    }

    [Fact]
    public async Task SlowReader_IsClosedAtClientOutputLimit_CountedAsClientErr_OtherClientsCarryOn()
    {
        using var memcached = ExternalProcess.StartMemcached();
        using var harness = new Harness([memcached.Port], "  client_output_limit: 1048576\n");
        var (reader, _) = await harness.ConnectAsync();
        using var _r = reader;
        var value = new string('v', 200_000);
        Send(reader, $"set big 0 0 {value.Length}\r\n{value}\r\n");
        Assert.Equal("STORED\r\n", await ReadExactlyAsync(reader, 8));

        // A client that asks for ~40 MB and reads none of it: the kernel's buffers take a few
        // of the replies, the rest is held for it until client_output_limit closes it.
        var (slow, slowSession) = await harness.ConnectAsync(clientReceiveBuffer: 4096, sessionSendBuffer: 4096);
        using var _s = slow;
        Send(slow, string.Concat(Enumerable.Repeat("get big\r\n", 200)));
        await harness.UntilAsync(slowSession, (phase, _) => phase == ClientPhase.Closed, "the slow reader closed");
        Assert.Equal(1, harness.Pool.Stats.ClientErrCount);
        Assert.Equal(0, harness.Pool.Stats.ClientEofCount);

        // The other client on the same worker and server connection is served as before.
        var reply = $"VALUE big 0 {value.Length}\r\n{value}\r\nEND\r\n";
        for (var i = 0; i < 3; i++)
        {
            Send(reader, "get big\r\n");
            Assert.Equal(reply, await ReadExactlyAsync(reader, reply.Length));
        }
        Assert.Empty(harness.Log.Errors);
    }

    [Fact]
    public async Task ClientClosesWithRequestsInFlight_LateRepliesGoNowhere_CountedAsClientEof_ConnectionStaysInStep()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The three held replies come back in one send, so they reach the session in one pass (a
        // later pass could see the client's reset first and count client_err).
        using var server = new FakeBackend(async (_, _, line) =>
        {
            switch (line)
            {
                case "get held1" or "get held2":
                    return null;
                case "get held3":
                    await release.Task;
                    return string.Concat(Enumerable.Range(1, 3).Select(i => $"VALUE held{i} 0 1\r\nx\r\nEND\r\n"));
                default:
                    return $"VALUE {line[4..]} 0 1\r\nx\r\nEND\r\n";
            }
        });
        using var harness = new Harness([server.Port]);
        var (client, session) = await harness.ConnectAsync();
        Send(client, "get held1\r\nget held2\r\nget held3\r\n");
        await UntilAsync(() => server.Lines == 3, "the requests reached the server");
        client.Dispose(); // closes with three replies owed

        // Reads stop; the session waits for the replies it owes.
        await harness.UntilAsync(session, (phase, _) => phase == ClientPhase.ReadStopped, "reads stopped");
        Assert.Equal(0, harness.Pool.Stats.ClientEofCount);
        release.SetResult();
        await harness.UntilAsync(session, (phase, _) => phase == ClientPhase.Closed, "closed once the replies came");
        Assert.Equal(1, harness.Pool.Stats.ClientEofCount);
        Assert.Equal(0, harness.Pool.Stats.ClientErrCount);

        // The server connection consumed all three replies: the next client's reply is its own.
        var (other, _) = await harness.ConnectAsync();
        using var _o = other;
        Send(other, "get next\r\n");
        const string Expected = "VALUE next 0 1\r\nx\r\nEND\r\n";
        Assert.Equal(Expected, await ReadExactlyAsync(other, Expected.Length));
        Assert.Empty(harness.Log.Errors);
    }

    [Fact]
    public async Task QuitAfterPipelinedRequests_OwedRepliesFirst_ThenClose_NothingAfterTheQuitIsRead()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = new FakeBackend(async (_, _, line) =>
        {
            await release.Task;
            return $"VALUE {line[4..]} 0 1\r\nx\r\nEND\r\n";
        });
        using var harness = new Harness([server.Port]);
        var (client, session) = await harness.ConnectAsync();
        using var _ = client;
        Send(client, "get q1\r\nget q2\r\nquit\r\nget after\r\n");
        await UntilAsync(() => server.Lines == 2, "the gets reached the server");
        // The quit is parsed: no more reads, but its reply (none, in memcached) waits behind the two owed.
        await harness.UntilAsync(session, (phase, _) => phase == ClientPhase.ReadStopped, "reads stopped at the quit");
        release.SetResult();
        Assert.Equal("VALUE q1 0 1\r\nx\r\nEND\r\nVALUE q2 0 1\r\nx\r\nEND\r\n", await ReadToEndAsync(client));
        await harness.UntilAsync(session, (phase, _) => phase == ClientPhase.Closed, "closed");
        Assert.Equal(2, server.Lines); // "get after" was never forwarded
        Assert.Equal(1, harness.Pool.Stats.ClientEofCount);
        Assert.Equal(0, harness.Pool.Stats.ClientErrCount);
    }

    [Fact]
    public async Task Drain_StopsReading_WritesTheOwedReply_ThenCloses()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = new FakeBackend(async (_, _, line) =>
        {
            await release.Task;
            return $"VALUE {line[4..]} 0 1\r\nx\r\nEND\r\n";
        });
        using var harness = new Harness([server.Port]);
        var (client, session) = await harness.ConnectAsync();
        using var _ = client;
        Send(client, "get owed\r\n");
        await UntilAsync(() => server.Lines == 1, "the get reached the server");

        Assert.True(harness.Worker.Post(session.BeginDrain));
        await harness.UntilAsync(session, (phase, _) => phase == ClientPhase.ReadStopped, "draining");
        Send(client, "get late\r\n"); // sent after the drain began: never read
        release.SetResult();
        Assert.Equal("VALUE owed 0 1\r\nx\r\nEND\r\n", await ReadToEndAsync(client));
        await harness.UntilAsync(session, (phase, _) => phase == ClientPhase.Closed, "closed");
        Assert.Equal(1, server.Lines);
        Assert.Equal(1, harness.Pool.Stats.ClientEofCount);
        Assert.Empty(harness.Log.Errors);
    }

    [Fact]
    public async Task QueueFull_PausesReading_ResumesWhenRequestsComplete()
    {
        const int MaxQueued = 8192, Requests = MaxQueued + 1000;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = new FakeBackend(async (_, _, _) =>
        {
            await release.Task;
            return "END\r\n";
        });
        using var harness = new Harness([server.Port]);
        var (client, session) = await harness.ConnectAsync();
        using var _ = client;
        var send = Task.Run(() => Send(client, string.Concat(Enumerable.Range(0, Requests).Select(i => $"get k{i}\r\n"))));

        await harness.UntilAsync(session, (_, pause) => pause == ClientPause.Queue, "paused on its queue");
        await UntilAsync(() => server.Lines == MaxQueued, "the queued requests reached the server");
        Assert.Equal(MaxQueued, server.Lines); // nothing beyond the queue limit was forwarded

        release.SetResult();
        await send.WaitAsync(s_wait);
        var expected = string.Concat(Enumerable.Repeat("END\r\n", Requests));
        Assert.Equal(expected, await ReadExactlyAsync(client, expected.Length));
        Assert.Equal(Requests, server.Lines);
        Assert.Equal((ClientPhase.Reading, ClientPause.None), await harness.StateAsync(session));
    }

    [Fact]
    public async Task SaturatedServerConnection_PausesReading_ResumesWhenItDrains()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = new FakeBackend(async (_, _, _) =>
        {
            await release.Task;
            return "END\r\n";
        });
        using var harness = new Harness([server.Port], "  server_inflight_limit: 4\n");
        var (client, session) = await harness.ConnectAsync();
        using var _ = client;
        Send(client, string.Concat(Enumerable.Range(0, 10).Select(i => $"get k{i}\r\n")));

        await harness.UntilAsync(session, (_, pause) => pause == ClientPause.ServerSaturated, "paused on the saturated connection");
        await UntilAsync(() => server.Lines == 4, "the requests up to the limit reached the server");
        release.SetResult();
        var expected = string.Concat(Enumerable.Repeat("END\r\n", 10));
        Assert.Equal(expected, await ReadExactlyAsync(client, expected.Length));
        Assert.Equal(10, server.Lines);
        Assert.Equal((ClientPhase.Reading, ClientPause.None), await harness.StateAsync(session));
    }

    [Fact]
    public async Task Tls_HandshakingUntilTheClientFinishes_ThenReading_ASilentClientIsClosedAtTheDeadline()
    {
        using var server = new FakeBackend((_, line) => $"VALUE {line[4..]} 0 1\r\nx\r\nEND\r\n");
        using var harness = new Harness([server.Port],
            $"  tls_cert_file: {certs.Cert("server")}\n  tls_key_file: {certs.Key("server")}\n  tls_handshake_timeout: 3000\n");

        var (client, session) = await harness.ConnectAsync();
        Assert.Equal(ClientPhase.Handshaking, (await harness.StateAsync(session)).Phase);
        using (var tls = new System.Net.Security.SslStream(new NetworkStream(client, ownsSocket: true)))
        {
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            await tls.WriteAsync("get k\r\n"u8.ToArray());
            var reply = new byte["VALUE k 0 1\r\nx\r\nEND\r\n".Length];
            await tls.ReadExactlyAsync(reply).AsTask().WaitAsync(s_wait);
            Assert.Equal("VALUE k 0 1\r\nx\r\nEND\r\n", Encoding.ASCII.GetString(reply));
            Assert.Equal((ClientPhase.Reading, ClientPause.None), await harness.StateAsync(session));
            Assert.Equal(1, harness.Pool.Stats.ClientTls.Handshakes);
        }
        await harness.UntilAsync(session, (phase, _) => phase == ClientPhase.Closed, "closed after the client");
        Assert.Equal(1, harness.Pool.Stats.ClientEofCount);

        // A client that connects and says nothing: closed at tls_handshake_timeout, counted as client_err.
        var (silent, silentSession) = await harness.ConnectAsync();
        using var _ = silent;
        await harness.UntilAsync(silentSession, (phase, _) => phase == ClientPhase.Closed, "closed at the handshake deadline");
        Assert.Equal(1, harness.Pool.Stats.ClientTls.Timeouts);
        Assert.Equal(1, harness.Pool.Stats.ClientErrCount);
    }
}
