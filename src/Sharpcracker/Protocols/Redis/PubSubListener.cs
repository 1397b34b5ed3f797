namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// One client's subscription to one <see cref="PubSubChannel"/>. It is counted in the channel's
/// references from the command that made it, and receives messages only once the client's
/// confirmation has been written (<see cref="Index"/> ≥ 0), so a message never overtakes it.
/// Worker thread only.
/// </summary>
internal sealed class PubSubListener(RedisClientSession session, PubSubChannel channel)
{
    public RedisClientSession Session { get; } = session;

    public PubSubChannel Channel { get; } = channel;

    /// <summary>Position in the channel's listener list; -1 while not (yet, or any more) receiving.</summary>
    public int Index = -1;

    /// <summary>The client unsubscribed (or left): never to receive again, even if its confirmation is still to be written.</summary>
    public bool Dropped;
}
