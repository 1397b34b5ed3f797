namespace Sharpcracker.Routing;

/// <summary>One entry of CLUSTER SLOTS: a slot range, its master and the master's replicas ("host:port" each).</summary>
internal readonly record struct ClusterSlotRange(int First, int Last, string Master, IReadOnlyList<string> Replicas);
