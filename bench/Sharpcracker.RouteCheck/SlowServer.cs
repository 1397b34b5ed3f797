namespace Sharpcracker.RouteCheck;

/// <summary>
/// Makes a server slow without a relay in the path (a relay would spend this machine's CPU beside
/// the proxy): a thread stops it for <c>stoppedMs</c> of every <c>periodMs</c> (SIGSTOP, SIGCONT),
/// so it answers in bursts at a fraction of its speed. Disposing continues it for good.
/// </summary>
internal sealed class SlowServer : IDisposable
{
    private readonly ChildProcess _server;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public SlowServer(ChildProcess server, int stoppedMs, int periodMs)
    {
        _server = server;
        _thread = new Thread(() =>
        {
            while (!_stopping)
            {
                _server.StopNoWait();
                Thread.Sleep(stoppedMs); // the duty cycle is the point: stopped this long
                _server.Continue();
                Thread.Sleep(periodMs - stoppedMs); // running this long
            }
        })
        { IsBackground = true, Name = "slow-" + server.Name };
        _thread.Start();
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
        _server.Continue();
    }
}
