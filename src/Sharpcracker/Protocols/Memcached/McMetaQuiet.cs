namespace Sharpcracker.Protocols.Memcached;

/// <summary>What the proxy does with the reply of a meta command sent with the quiet flag <c>q</c>.</summary>
internal enum McMetaQuiet : byte
{
    /// <summary>Not quiet: every reply is returned.</summary>
    None,
    /// <summary>mg q: the q is cut before forwarding; an <c>EN</c> reply (miss) is hidden.</summary>
    HideMiss,
    /// <summary>ms q, md q: the q is cut before forwarding; an <c>HD</c> reply is hidden.</summary>
    HideStored,
    /// <summary>
    /// ma q without N: the q is cut; a success (<c>HD</c> or <c>VA</c>) is hidden. memcached 1.6.18
    /// hides every successful delta on an existing counter, with or without <c>v</c>.
    /// </summary>
    HideSuccess,
    /// <summary>
    /// ma q with N: memcached hides the success on an existing counter but returns the reply of an
    /// auto-created one, and both look alike on the wire. So the command is forwarded with its q and
    /// followed by <c>mn</c>: the backend decides, and the reply ends at its <c>MN</c>.
    /// </summary>
    Sentinel,
}
