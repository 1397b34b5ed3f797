namespace Sharpcracker.Protocols.Memcached;

/// <summary>
/// How the proxy answers a binary STAT by its key, following memcached 1.6.18's
/// process_bin_stat (its prefix matches and their order) and the text protocol's
/// <c>stats &lt;sub&gt;</c> rules (docs/compatibility.md, "Admin commands").
/// </summary>
internal enum McBinaryStatGroup : byte
{
    /// <summary>No key: the proxy's own counters, one packet each, then the empty packet.</summary>
    Own,
    /// <summary><c>reset…</c>, <c>detail on…</c>, <c>detail off…</c>: sent to every server, one reply (the empty packet).</summary>
    ToEveryServer,
    /// <summary><c>settings…</c>, <c>detail dump…</c>, <c>items</c>, <c>slabs</c>, <c>sizes</c>, <c>sizes_enable</c>, <c>sizes_disable</c>: a per-server listing, refused (0x83).</summary>
    NotSupported,
    /// <summary>Anything else (<c>conns</c>, <c>extstore</c>, <c>detail x</c>, …): memcached's 0x01 "Not found".</summary>
    Unknown,
}
