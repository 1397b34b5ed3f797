namespace Sharpcracker.Engine;

/// <summary>Something registered in a worker's epoll: a client, a server connection, a listener.</summary>
internal interface IEventHandler
{
    /// <summary>Readiness reported by epoll (EPOLLIN/OUT/ERR/HUP bits). Runs on the owning worker's thread.</summary>
    void OnEvents(uint events);
}

/// <summary>
/// A connection with output or other work deferred to the end of the current loop pass
/// (<see cref="Worker.MarkDirty"/>): every touched connection is flushed once per pass, so one
/// send carries everything the pass produced for it.
/// </summary>
internal interface IFlushable
{
    void Flush();
}
