namespace Sharpcracker.Protocols.Memcached;

/// <summary>The meta-protocol part of a parsed request (see <see cref="McMetaParser"/>).</summary>
internal struct McMetaCommand
{
    public McMetaQuiet Quiet;
    /// <summary>The key token is base64 (flag <c>b</c>): route by the decoded bytes.</summary>
    public bool Base64Key;
    /// <summary>The q token to cut out of the forwarded line (QuietLength 0: nothing to cut).</summary>
    public int QuietStart;
    public int QuietLength;
    /// <summary>
    /// A locally answered ms error after the data length was understood: memcached discards this
    /// many bytes (the data block and its \r\n) without looking at them.
    /// </summary>
    public int SwallowLength;
}
