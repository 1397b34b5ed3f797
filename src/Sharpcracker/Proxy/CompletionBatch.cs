namespace Sharpcracker.Proxy;

/// <summary>
/// Defers "a request finished" notifications until the current thread has finished a batch
/// (all replies of one receive, all requests of one client read), so each client's write loop
/// wakes once per batch and flushes once, instead of once per reply.
/// </summary>
internal static class CompletionBatch
{
    [ThreadStatic]
    private static List<INotifiable>? t_pending;
    [ThreadStatic]
    private static int t_depth;

    public static void Begin() => t_depth++;

    public static void End()
    {
        if (--t_depth > 0)
        {
            return;
        }
        var pending = t_pending;
        if (pending is null)
        {
            return;
        }
        // Notified loops may run inline and start nested batches; take items one at a time.
        while (pending.Count > 0)
        {
            var target = pending[^1];
            pending.RemoveAt(pending.Count - 1);
            target.Notify();
        }
    }

    public static void Notify(INotifiable target)
    {
        if (t_depth == 0)
        {
            target.Notify();
            return;
        }
        var pending = t_pending ??= [];
        if (pending.Count == 0 || !ReferenceEquals(pending[^1], target))
        {
            pending.Add(target);
        }
    }
}

/// <summary>Something woken at the end of a completion batch.</summary>
internal interface INotifiable
{
    void Notify();
}
