namespace Sharpcracker.Engine;

/// <summary>What <see cref="ClientSession{TRequest}.Split"/> did with a request's keys.</summary>
internal enum SplitOutcome : byte
{
    /// <summary>A key has no server: the root was recycled unsent; the caller answers the command itself.</summary>
    NoServer,
    /// <summary>Every key has one target: nothing was sent; the caller forwards the command whole (the root is its own again).</summary>
    OneTarget,
    /// <summary>The keys span targets: the root is queued and one fragment per target sent.</summary>
    Split,
}
