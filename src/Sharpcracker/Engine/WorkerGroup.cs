using Microsoft.Extensions.Logging;

namespace Sharpcracker.Engine;

/// <summary>
/// The proxy's workers (default: one per processor; <c>--threads</c>). Client connections are
/// spread by the acceptor to the worker with the fewest; each worker has its own connections to
/// every server, so a pool has workers × server_connections connections per server.
/// </summary>
internal sealed class WorkerGroup : IDisposable
{
    private readonly Worker[] _workers;

    public WorkerGroup(int count, ILogger logger)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "at least one worker");
        }
        _workers = new Worker[count];
        for (var i = 0; i < count; i++)
        {
            _workers[i] = new Worker(i, logger);
        }
        foreach (var worker in _workers)
        {
            worker.Start();
        }
    }

    /// <summary>The default worker count: the processors this process may run on.</summary>
    public static int DefaultCount => Environment.ProcessorCount;

    public int Count => _workers.Length;

    public Worker this[int index] => _workers[index];

    public IReadOnlyList<Worker> All => _workers;

    /// <summary>Any thread: the worker with the fewest client connections (ties: the lowest index).</summary>
    public Worker LeastLoaded()
    {
        var best = _workers[0];
        for (var i = 1; i < _workers.Length; i++)
        {
            if (_workers[i].ClientCount < best.ClientCount)
            {
                best = _workers[i];
            }
        }
        return best;
    }

    /// <summary>Runs <paramref name="action"/> on every worker and waits for all.</summary>
    public Task OnEachAsync(Action<Worker> action)
        => Task.WhenAll(_workers.Select(w => w.InvokeAsync(() => action(w))));

    public void Dispose()
    {
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }
    }
}
