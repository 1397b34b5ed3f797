using System.Globalization;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>
/// One RESP2 or RESP3 reply parsed into its type byte, its text (simple strings, errors, numbers,
/// bulk/verbatim payloads; null for aggregates and nulls) and its elements (maps as key, value,
/// key, value …). For comparing replies whose bytes may differ (HELLO's id, INFO's content) by
/// structure; everything else is compared byte for byte.
/// </summary>
internal sealed record RespTree(char Type, string? Text, IReadOnlyList<RespTree> Elements)
{
    /// <summary>Parses exactly one reply (the raw Latin-1 text <see cref="RespConnection.ReadReplyAsync"/> returns).</summary>
    public static RespTree Parse(string reply)
    {
        var pos = 0;
        var tree = Read(reply, ref pos);
        if (pos != reply.Length)
        {
            throw new FormatException($"{reply.Length - pos} bytes after the reply");
        }
        return tree;
    }

    private static RespTree Read(string s, ref int pos)
    {
        var type = s[pos];
        var nl = s.IndexOf("\r\n", pos, StringComparison.Ordinal);
        var line = s[(pos + 1)..nl];
        pos = nl + 2;
        switch (type)
        {
            case '$' or '!' or '=':
                var length = int.Parse(line, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return new RespTree(type, null, []);
                }
                var text = s.Substring(pos, length);
                pos += length + 2;
                return new RespTree(type, text, []);
            case '*' or '~' or '>' or '%' or '|':
                var count = long.Parse(line, CultureInfo.InvariantCulture);
                var elements = new List<RespTree>();
                for (var i = 0; i < (type is '%' or '|' ? 2 * count : count); i++)
                {
                    elements.Add(Read(s, ref pos));
                }
                return new RespTree(type, count < 0 ? null : "", elements);
            default:
                return new RespTree(type, line, []);
        }
    }

    /// <summary>A map's (RESP3 <c>%</c>) or a flat RESP2 array's key/value pairs, keys as text.</summary>
    public IReadOnlyList<KeyValuePair<string, RespTree>> Pairs()
    {
        if (Type is not ('%' or '*') || Elements.Count % 2 != 0)
        {
            throw new FormatException($"not a map: {Type} with {Elements.Count} elements");
        }
        return [.. Enumerable.Range(0, Elements.Count / 2).Select(i => KeyValuePair.Create(Elements[2 * i].Text ?? "", Elements[(2 * i) + 1]))];
    }

    /// <summary>The value of <paramref name="key"/> in <see cref="Pairs"/>.</summary>
    public RespTree this[string key] => Pairs().First(p => p.Key == key).Value;
}
