namespace Sharpcracker.Engine;

/// <summary>
/// A split request's keys and where each goes (twemproxy's frag_owner): what
/// <see cref="ClientSession{TRequest}.Split"/> groups into fragments. A command sent to every
/// server has no keys: <see cref="ClientSession{TRequest}.SplitToEveryServer"/> needs none.
/// </summary>
internal interface ISplitKeys
{
    /// <summary>Keys of the request, in request order.</summary>
    int KeyCount { get; }

    /// <summary>
    /// Key <paramref name="key"/>'s target (what fragments are grouped by: a server index, or a
    /// cluster hash slot) and the server (topology index) serving it; false when none does.
    /// </summary>
    bool Route(int key, out int target, out int server);
}
