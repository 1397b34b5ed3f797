using System.Diagnostics;

namespace Sharpcracker.Testing;

/// <summary>
/// In a Debug build a failed <see cref="Debug.Assert(bool)"/> would only throw, and the engine
/// catches and logs exceptions on its workers (one bad connection must not stop the loop), so a
/// broken invariant could pass a test unseen. Installed by each test assembly's module
/// initializer (Debug.Assert reports to the trace listeners), this listener ends the test process
/// instead, with the assertion's message: the run fails.
/// </summary>
public sealed class FailFastAsserts : TraceListener
{
    public static void Install()
    {
        Trace.Listeners.Clear();
        Trace.Listeners.Add(new FailFastAsserts());
    }

    public override void Fail(string? message, string? detailMessage)
        => Environment.FailFast($"Debug.Assert failed: {message} {detailMessage}");

    public override void Write(string? message)
    {
    }

    public override void WriteLine(string? message)
    {
    }
}
