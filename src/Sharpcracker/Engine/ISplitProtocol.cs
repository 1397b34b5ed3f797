using Sharpcracker.Common;

namespace Sharpcracker.Engine;

/// <summary>
/// What a protocol tells the one split loop (<see cref="ClientSession{TRequest}.Split"/>): how a
/// fragment is written, and how the fragments' replies merge into the client's one reply (where
/// its keys go is <see cref="ISplitKeys"/>) (twemproxy's frag_owner / nfrag / pre- and post-coalesce; mcrouter's
/// MultiOpParent). An implementation is a struct (often a ref struct over the command's bytes),
/// so the loop is specialised per protocol: no delegate, no allocation.
/// </summary>
internal interface ISplitProtocol<TRequest>
    where TRequest : ClientRequest<TRequest>
{
    /// <summary>Sets up a fragment just rented for <paramref name="root"/>: its kind, its stats class.</summary>
    void InitFragment(TRequest root, TRequest fragment);

    /// <summary>The connection a fragment for <paramref name="server"/> is sent on (and what sending there counts).</summary>
    ServerConnection ConnectionFor(TRequest fragment, int server);

    /// <summary>
    /// Writes fragment <paramref name="fragment"/>'s request: the command for the keys the plan
    /// gave it (<see cref="SplitPlan.FragmentOf"/>), in request order.
    /// </summary>
    void WriteFragment(ByteBuffer output, TRequest root, int fragment);

    /// <summary>Whether a fragment's reply can be merged; the first that cannot answers the whole command.</summary>
    static abstract bool IsMergeable(TRequest root, ReadOnlySpan<byte> reply);

    /// <summary>The one reply for a command one of whose fragments failed (no server answered it).</summary>
    static abstract void WriteFailure(ByteBuffer output, TRequest root, string reason);

    /// <summary>The one reply for a command one of whose fragments got a reply that cannot be merged.</summary>
    static abstract void WriteUnmergeable(ByteBuffer output, TRequest root, ReadOnlySpan<byte> reply);

    /// <summary>Merges the fragments' replies (all mergeable); false when the client is to see nothing.</summary>
    static abstract bool Merge(ByteBuffer output, TRequest root);
}
