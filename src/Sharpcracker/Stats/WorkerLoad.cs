using Sharpcracker.Engine;
namespace Sharpcracker.Stats;

/// <summary>
/// Per-worker load for the operator console (status page, /api/status). The engine that owns the
/// workers sets <see cref="Source"/>; until it does (one shared engine), the list is empty and the
/// page says so. Read only when a console request is served, never on the request path.
/// </summary>
internal static class WorkerLoad
{
    /// <summary>Current clients and requests handled so far, per worker; null while the engine has no workers.</summary>
    public static Func<IReadOnlyList<(int Worker, long Clients, long Requests)>>? Source { get; set; }

    public static IReadOnlyList<(int Worker, long Clients, long Requests)> Snapshot() => Source?.Invoke() ?? [];
}
