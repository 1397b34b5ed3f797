using System.Runtime.CompilerServices;

namespace Sharpcracker.Fuzz;

/// <summary>
/// The message of <see cref="Property.That(bool, ref PropertyMessage)"/>: formatted only when the
/// property fails, so a check that holds (every execution but a crash) costs no string.
/// </summary>
[InterpolatedStringHandler]
internal ref struct PropertyMessage
{
    private DefaultInterpolatedStringHandler _text;

    public PropertyMessage(int literalLength, int formattedCount, bool condition, out bool shouldAppend)
    {
        shouldAppend = !condition;
        _text = condition ? default : new DefaultInterpolatedStringHandler(literalLength, formattedCount);
    }

    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);

    public string ToStringAndClear() => _text.ToStringAndClear();
}
