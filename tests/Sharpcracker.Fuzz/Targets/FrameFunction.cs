namespace Sharpcracker.Fuzz;

/// <summary>A reply framer under test: the length of the complete reply at the start of data, 0 if incomplete, -1 if malformed.</summary>
internal delegate int FrameFunction(ReadOnlySpan<byte> data);
