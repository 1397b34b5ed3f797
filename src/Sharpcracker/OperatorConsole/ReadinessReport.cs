
namespace Sharpcracker.OperatorConsole;

/// <summary>The proxy is ready when every listening pool is (pools that serve routes only are listed too, and count through the listeners that route to them).</summary>
internal sealed record ReadinessReport(bool Ready, IReadOnlyList<PoolReadiness> Pools)
{
    /// <summary>One line per pool: "pool NAME: ready|not ready: reason".</summary>
    public string Describe()
        => (Ready ? "ready\n" : "not ready\n") + string.Concat(Pools.Select(p => $"pool {p.Pool}: {(p.Ready ? "ready" : "not ready")}: {p.Reason}\n"));
}
