namespace Sharpcracker.Engine;

/// <summary>What the engine and the pool need of a client connection, whatever its protocol.</summary>
internal interface IClientConnection
{
    /// <summary>The worker that owns the connection; every other member is called on its thread.</summary>
    Worker Worker { get; }

    /// <summary>A paused client may read again (room on a server connection); takes effect at the end of the pass.</summary>
    void RequestResume();

    /// <summary>Graceful close: stop reading, write every reply owed, then close.</summary>
    void BeginDrain();

    /// <summary>Close at the end of this loop pass, without writing anything more.</summary>
    void Abort();
}
