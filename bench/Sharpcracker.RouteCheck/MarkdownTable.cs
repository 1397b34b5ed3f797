using System.Text;

namespace Sharpcracker.RouteCheck;

/// <summary>A markdown table, columns padded to their widest cell so it also reads as plain text.</summary>
internal sealed class MarkdownTable
{
    private readonly string[] _header;
    private readonly List<string[]> _rows = [];

    public MarkdownTable(params string[] header) => _header = header;

    public void Add(params object[] cells)
        => _rows.Add([.. cells.Select(c => c switch
        {
            double d => d.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => c?.ToString() ?? "",
        })]);

    public override string ToString()
    {
        var widths = _header.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => i < r.Length ? r[i].Length : 0))).ToArray();
        var text = new StringBuilder();
        Line(text, _header, widths);
        text.Append('|').AppendJoin('|', widths.Select(w => new string('-', w + 2))).Append("|\n");
        foreach (var row in _rows)
        {
            Line(text, row, widths);
        }
        return text.ToString();
    }

    private static void Line(StringBuilder text, string[] cells, int[] widths)
    {
        text.Append('|');
        for (var i = 0; i < widths.Length; i++)
        {
            text.Append(' ').Append((i < cells.Length ? cells[i] : "").PadRight(widths[i])).Append(" |");
        }
        text.Append('\n');
    }
}
