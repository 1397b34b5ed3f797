namespace Sharpcracker.Configuration.Routes;

/// <summary>When a replicated write succeeds for the client (<c>write_policy</c>).</summary>
internal enum ReplicaWritePolicy
{
    /// <summary>Every replica stored it; otherwise the client gets the first failure.</summary>
    All,
    /// <summary>More than half the replicas stored it; the client gets the first replica's success reply.</summary>
    Majority,
    /// <summary>The first replica's reply, whatever the others answered (they are still written).</summary>
    First,
}
