namespace Sharpcracker.Engine;

/// <summary>Something registered in a worker's epoll: a client, a server connection, a listener.</summary>
internal interface IEventHandler
{
    /// <summary>Readiness reported by epoll (EPOLLIN/OUT/ERR/HUP bits). Runs on the owning worker's thread.</summary>
    void OnEvents(uint events);
}
