namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// One channel (or pattern, or shard channel) a worker's clients listen to: referenced by every
/// client subscription, subscribed once upstream on the links that serve it (one server; every
/// server for a pattern), removed when its last client leaves. Worker thread only.
/// </summary>
internal sealed class PubSubChannel(PubSubKind kind, byte[] name)
{
    public PubSubKind Kind { get; } = kind;

    public byte[] Name { get; } = name;

    /// <summary>Client subscriptions holding it (confirmed or not): the upstream subscription lives while this is above 0.</summary>
    public int References;

    /// <summary>The links it is subscribed on (empty while no server serves it).</summary>
    public readonly List<PubSubLink> Links = [];

    /// <summary>Subscriptions whose confirmation has been written: each message is copied to each of them.</summary>
    public readonly List<PubSubListener> Listeners = [];

    public void AddListener(PubSubListener listener)
    {
        listener.Index = Listeners.Count;
        Listeners.Add(listener);
    }

    /// <summary>O(1): the last listener takes the removed one's place (delivery order among clients is free).</summary>
    public void RemoveListener(PubSubListener listener)
    {
        var index = listener.Index;
        if (index < 0)
        {
            return;
        }
        var last = Listeners[^1];
        Listeners[index] = last;
        last.Index = index;
        Listeners.RemoveAt(Listeners.Count - 1);
        listener.Index = -1;
    }
}
