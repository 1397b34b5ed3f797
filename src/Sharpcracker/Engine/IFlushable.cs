namespace Sharpcracker.Engine;

/// <summary>
/// A connection with output or other work deferred to the end of the current loop pass
/// (<see cref="Worker.MarkDirty"/>): every touched connection is flushed once per pass, so one
/// send carries everything the pass produced for it.
/// </summary>
internal interface IFlushable
{
    void Flush();
}
