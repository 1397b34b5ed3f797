using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.IntegrationTests.Proxy;

public sealed class ShutdownTests
{
    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Signal_StopsAccepting_FinishesInFlightRequests_ThenExitsZero(string signal)
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var backend = new FakeBackend(async (_, _, line) =>
        {
            if (line == "get slow")
            {
                received.TrySetResult();
                await release.Task;
                return "VALUE slow 0 4\r\ndone\r\nEND\r\n";
            }
            return "END\r\n";
        });
        using var proxy = TestProxy.StartMemcachedProcess([backend.Port]);
        using var client = new McConnection(proxy.Port);
        using var idle = new McConnection(proxy.Port);
        Assert.Equal("END\r\n", await idle.RoundTripAsync("get x\r\n", "END\r\n"));
        await client.SendAsync("get slow\r\n");
        await received.Task.WaitAsync(TimeSpan.FromSeconds(20));

        proxy.Signal(signal);
        // The listener goes away first: new clients are refused.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await late.ConnectAsync("127.0.0.1", proxy.Port);
            }
            catch (SocketException)
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "still accepting after the signal");
            await Task.Delay(20);
        }
        // The idle client is closed; the request in flight still gets its reply, then the close.
        Assert.Empty(await idle.ReadToEndAsync());
        release.SetResult();
        Assert.Equal("VALUE slow 0 4\r\ndone\r\nEND\r\n", Encoding.ASCII.GetString(await client.ReadToEndAsync()));
        Assert.True(proxy.Process.WaitForExit(20000), "the proxy did not exit");
        Assert.Equal(0, proxy.Process.ExitCode);
    }
}
