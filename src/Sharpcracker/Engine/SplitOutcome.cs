namespace Sharpcracker.Engine;

/// <summary>What <see cref="ClientSession{TRequest}.PlanSplit"/> found for a request's keys.</summary>
internal enum SplitOutcome : byte
{
    /// <summary>A key has no server: the caller answers the command itself (no fragment was made).</summary>
    NoServer,
    /// <summary>Every key has one target (<see cref="SplitPlan.ServerOf"/>(0)): the command is forwarded whole.</summary>
    OneTarget,
    /// <summary>The keys span targets: one fragment per target.</summary>
    Split,
}
