using Sharpcracker.Common;

namespace Sharpcracker.Engine;

/// <summary>
/// One request's bytes, as <see cref="ServerConnection.Enqueue{TWriter}"/> takes them: a (ref)
/// struct holding what to write (spans allowed) whose static <see cref="Write"/> appends it to the
/// connection's output. A static method of a struct type argument is a direct call in the
/// specialized code (no delegate, no allocation), and it runs only when the connection accepts the
/// request: a request refused during back-off writes nothing.
/// </summary>
internal interface IRequestWriter<TSelf>
    where TSelf : IRequestWriter<TSelf>, allows ref struct
{
    static abstract void Write(ByteBuffer output, scoped in TSelf request);
}
