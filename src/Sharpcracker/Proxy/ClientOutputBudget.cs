namespace Sharpcracker.Proxy;

/// <summary>
/// Reply bytes held by the proxy for one client and not yet handed to its socket. Servers add
/// as replies arrive (any thread), the client's write loop releases what it wrote. Going over
/// the limit means the client is not reading: the session disconnects it, so a slow reader
/// cannot grow the proxy's memory. Interlocked, no lock; one add per reply.
/// </summary>
internal sealed class ClientOutputBudget
{
    private readonly long _limit;
    private long _held;
    private int _exceeded;

    public ClientOutputBudget(long limit)
    {
        _limit = limit;
    }

    public long Held => Interlocked.Read(ref _held);

    /// <summary>Counts bytes; true exactly once, the first time the total goes over the limit.</summary>
    public bool Add(int bytes)
        => Interlocked.Add(ref _held, bytes) > _limit && Interlocked.Exchange(ref _exceeded, 1) == 0;

    public void Release(long bytes)
    {
        if (bytes != 0)
        {
            Interlocked.Add(ref _held, -bytes);
        }
    }
}
