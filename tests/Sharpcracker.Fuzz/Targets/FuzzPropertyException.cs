namespace Sharpcracker.Fuzz;

/// <summary>A property a fuzz target asserts does not hold for an input.</summary>
internal sealed class FuzzPropertyException(string message) : Exception(message);
