namespace Sharpcracker.Engine;

/// <summary>
/// The life of a <see cref="ServerConnection"/> (mcrouter's UP/DOWN/CONNECTING). Transitions
/// (asserted in Debug builds): Disconnected → Connecting (→ Resolving → Connecting) → Handshaking
/// → Connected, Connecting → Connected when there is neither TLS nor a handshake, and any state →
/// Disconnected on a failure. Requests may be queued in every state but Disconnected-in-back-off.
/// </summary>
internal enum ServerConnectionState : byte
{
    /// <summary>No socket; the next request starts a connect (or fails at once during back-off).</summary>
    Disconnected,
    /// <summary>Looking up a host name off the worker; requests queue meanwhile.</summary>
    Resolving,
    /// <summary>Non-blocking connect in progress (waiting for writability); requests queue meanwhile.</summary>
    Connecting,
    /// <summary>
    /// Connected, but not yet usable as is: the TLS handshake runs (nothing is sent meanwhile)
    /// and/or the pool's handshake commands (Redis AUTH, SELECT, READONLY) await their replies.
    /// Those commands go first and client requests are pipelined right behind them on the same
    /// connection (no extra round trip); their replies are checked, and a refusal fails the
    /// connection with a <see cref="ServerFailureKind.HandshakeRefused"/>.
    /// </summary>
    Handshaking,
    /// <summary>Usable: every handshake reply accepted.</summary>
    Connected,
}
