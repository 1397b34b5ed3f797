namespace Sharpcracker.Fuzz;

/// <summary>
/// One reader of outside bytes under fuzzing. <see cref="Check"/> runs the reader on the input and
/// asserts its properties; a broken property throws <see cref="FuzzPropertyException"/>, and any
/// exception that escapes is a crash to AFL and a failure to the corpus replay in the unit tests.
/// </summary>
internal abstract class FuzzTarget
{
    /// <summary>The name on the command line and the folder under tests/fuzz-corpus.</summary>
    public abstract string Name { get; }

    public abstract void Check(ReadOnlySpan<byte> input);
}
