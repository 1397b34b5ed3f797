namespace Sharpcracker.ControlPlane.Moxi;

/// <summary>
/// Cuts a byte stream into successive top-level JSON values (objects or arrays) separated by
/// any whitespace — Couchbase's streaming config writes one document then blank lines. Bytes may
/// arrive in arbitrary pieces; state (depth, inside a string, after a backslash) carries over.
/// </summary>
internal sealed class JsonDocumentSplitter
{
    private readonly int _maxDocumentBytes;
    private readonly List<byte> _current = [];
    private int _depth;
    private bool _inString;
    private bool _escaped;

    public JsonDocumentSplitter(int maxDocumentBytes = 16 * 1024 * 1024) => _maxDocumentBytes = maxDocumentBytes;

    /// <summary>Feeds bytes; returns every document they completed, in order.</summary>
    /// <exception cref="FormatException">Something other than a JSON object or array between documents, or a document over the size limit.</exception>
    public List<byte[]> Feed(ReadOnlySpan<byte> bytes)
    {
        var done = new List<byte[]>();
        foreach (var b in bytes)
        {
            if (_depth == 0)
            {
                if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                {
                    continue;
                }
                if (b is not ((byte)'{' or (byte)'['))
                {
                    throw new FormatException($"unexpected byte 0x{b:x2} between JSON documents");
                }
            }
            _current.Add(b);
            if (_current.Count > _maxDocumentBytes)
            {
                throw new FormatException($"a JSON document is larger than {_maxDocumentBytes} bytes");
            }
            if (_inString)
            {
                if (_escaped)
                {
                    _escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    _escaped = true;
                }
                else if (b == (byte)'"')
                {
                    _inString = false;
                }
                continue;
            }
            switch (b)
            {
                case (byte)'"':
                    _inString = true;
                    break;
                case (byte)'{':
                case (byte)'[':
                    _depth++;
                    break;
                case (byte)'}':
                case (byte)']':
                    _depth--;
                    if (_depth == 0)
                    {
                        done.Add([.. _current]);
                        _current.Clear();
                    }
                    break;
            }
        }
        return done;
    }
}
