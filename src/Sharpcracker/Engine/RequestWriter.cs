using Sharpcracker.Proxy;

namespace Sharpcracker.Engine;

/// <summary>
/// Appends one request's bytes to a server connection's output (<see cref="ServerConnection.Enqueue{TState}"/>).
/// Pass a <c>static</c> lambda and what it writes in <paramref name="state"/> (spans allowed: a
/// ref struct), so queuing a request allocates nothing. It runs only when the request is
/// accepted: a request refused during back-off writes nothing.
/// </summary>
internal delegate void RequestWriter<TState>(ByteBuffer output, scoped in TState state)
    where TState : allows ref struct;
