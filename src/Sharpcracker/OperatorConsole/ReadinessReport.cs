
namespace Sharpcracker.OperatorConsole;

/// <summary>The proxy is ready when every pool is.</summary>
internal sealed record ReadinessReport(bool Ready, IReadOnlyList<PoolReadiness> Pools)
{
    /// <summary>One line per pool: "pool NAME: ready|not ready: reason".</summary>
    public string Describe()
        => (Ready ? "ready\n" : "not ready\n") + string.Concat(Pools.Select(p => $"pool {p.Pool}: {(p.Ready ? "ready" : "not ready")}: {p.Reason}\n"));
}
