using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Sharpcracker.Common.Interop;
using Sharpcracker.Engine;

namespace Sharpcracker.Tests.Engine;

/// <summary>One worker on its own, driven through a socket pair: readiness, the inbox, timers, stop.</summary>
public sealed class WorkerUnitTests
{
    /// <summary>Records the thread and events it is called with; reads what is readable so level-triggered epoll quiets down.</summary>
    private sealed class Recorder(Socket socket) : IEventHandler
    {
        public readonly TaskCompletionSource<(int Thread, uint Events, string Data)> Called = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnEvents(uint events)
        {
            var buffer = new byte[64];
            var n = socket.Receive(buffer, SocketFlags.None, out _);
            Called.TrySetResult((Environment.CurrentManagedThreadId, events, System.Text.Encoding.ASCII.GetString(buffer, 0, Math.Max(0, n))));
        }
    }

    private static (Socket A, Socket B) Pair()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(1);
        var a = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        a.Connect(listener.LocalEndPoint!);
        var b = listener.Accept();
        listener.Dispose();
        b.Blocking = false;
        return (a, b);
    }

    [Fact]
    public async Task ReadySocket_IsHandledOnTheWorkersThread_PostsAndTimersRunThere_AfterStopPostsAreRefused()
    {
        var (a, b) = Pair();
        using var _a = a;
        using var _b = b;
        var worker = new Worker(0, NullLogger.Instance);
        worker.Start();
        try
        {
            var workerThread = 0;
            await worker.InvokeAsync(() => workerThread = Environment.CurrentManagedThreadId);
            Assert.NotEqual(Environment.CurrentManagedThreadId, workerThread);

            var recorder = new Recorder(b);
            await worker.InvokeAsync(() => worker.Register((int)b.SafeHandle.DangerousGetHandle(), recorder, Sharpcracker.Common.Interop.Libc.EpollIn));
            a.Send("ping"u8);
            var (thread, events, data) = await recorder.Called.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(workerThread, thread);
            Assert.NotEqual(0u, events & Sharpcracker.Common.Interop.Libc.EpollIn);
            Assert.Equal("ping", data);

            // A one-shot timer of the worker's own runs on its thread.
            var fired = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            await worker.InvokeAsync(() => worker.RunAfter(20, () => fired.SetResult(Environment.CurrentManagedThreadId)));
            Assert.Equal(workerThread, await fired.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            worker.Dispose();
        }
        // Stopped: a late post must be refused (it once wrote the eventfd's 8 bytes into a reused
        // descriptor), and InvokeAsync completes instead of waiting for a loop that is gone.
        Assert.False(worker.Post(() => { }));
        await worker.InvokeAsync(() => { }).WaitAsync(TimeSpan.FromSeconds(5));
    }
}
