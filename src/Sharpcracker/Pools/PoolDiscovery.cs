using Sharpcracker.Configuration;
using Sharpcracker.Routing;

namespace Sharpcracker.Pools;

/// <summary>
/// Whether a pool whose servers are discovered at run time — Sentinel groups, a Redis Cluster slot
/// map, a moxi vBucket stream — knows its first topology yet. Until it does the pool's listener
/// is bound but does not accept (clients wait in the kernel's backlog, their first requests in
/// their sockets), so no request is answered from an empty topology; <c>discovery_timeout</c>
/// bounds the wait (docs/operations.md "Start-up of discovered pools"). Written by the control
/// plane (or, for the vBucket stream, by the reload that brings the first map) after it has
/// published the topology, so a client accepted after <see cref="Known"/> routes with it. Only the
/// pool's first topology is awaited: a pool already serving keeps serving through later changes.
/// </summary>
internal sealed class PoolDiscovery
{
    private readonly TaskCompletionSource _known = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string _missing;
    private long _knownAfterMs = -1;

    private PoolDiscovery(string? missing)
    {
        _missing = missing ?? "";
        if (missing is null)
        {
            _known.SetResult();
        }
    }

    /// <summary>What the pool must learn before it serves, from its configuration: nothing for a pool whose servers are in the file.</summary>
    public static PoolDiscovery For(PoolConfig config) => config switch
    {
        { Replication: ReplicationMode.Sentinel } => new("no sentinel has answered yet"),
        { Distribution: DistributionKind.RedisCluster } => new("no seed has answered CLUSTER SLOTS yet"),
        { VBucketStream: true, VBuckets: null } => new("no vBucket map has arrived from the streaming config yet"),
        _ => new(null),
    };

    /// <summary>Environment.TickCount64 when the pool was created (discovery began).</summary>
    public long Since { get; } = Environment.TickCount64;

    /// <summary>Completes when the first topology has been published (never fails).</summary>
    public Task Known => _known.Task;

    public bool IsKnown => _known.Task.IsCompleted;

    /// <summary>While not known: what is missing, for the log at the deadline, /ready and the error clients get after it.</summary>
    public string Missing => _missing;

    /// <summary>Discovery tried and failed: say why (one line, no CR/LF: it becomes part of an error reply).</summary>
    public void StillMissing(string what)
    {
        if (!IsKnown)
        {
            _missing = what.ReplaceLineEndings(" ");
        }
    }

    /// <summary>The first topology is published. True the first time.</summary>
    public bool MarkKnown()
    {
        if (!_known.TrySetResult())
        {
            return false;
        }
        Volatile.Write(ref _knownAfterMs, Environment.TickCount64 - Since);
        return true;
    }

    /// <summary>Milliseconds discovery took; -1 while not known and for pools with nothing to discover.</summary>
    public long KnownAfterMs => Volatile.Read(ref _knownAfterMs);
}
