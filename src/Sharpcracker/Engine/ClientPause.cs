namespace Sharpcracker.Engine;

/// <summary>
/// Why a <see cref="ClientPhase.Reading"/> session with complete requests left in its input does
/// not read (docs/operations.md, "per client" and server_inflight_limit). Exactly one reason
/// holds at a time, and each resumes by its own rule, so this is an enum rather than flags: a
/// session paused on a saturated connection that is also at its queue limit resumes when the
/// connection has room, and the parser then pauses it again on the queue.
/// </summary>
internal enum ClientPause
{
    /// <summary>Not paused.</summary>
    None,

    /// <summary>
    /// The parser stopped on this client's own queue: MaxQueued requests outstanding, or
    /// (redis_cluster) commands routed with an older slot map must finish first. Checked at every
    /// flush: resumes once fewer than half of MaxQueued are queued.
    /// </summary>
    Queue,

    /// <summary>A server connection reached server_inflight_limit; it calls RequestResume when it has drained to its low-water mark.</summary>
    ServerSaturated,

    /// <summary>
    /// The client waits for a command that blocks on the server (BLPOP, …), as redis-server parses
    /// nothing more from a blocked client; the protocol calls RequestResume once its reply is
    /// written. The socket is still watched for a close (EPOLLRDHUP): a client that leaves while
    /// blocked is closed at once, and so is what it held on the server.
    /// </summary>
    Blocked,

    /// <summary>RequestResume arrived: resumes at the start of this pass's flush, before the replies are written.</summary>
    ResumeDue,
}
