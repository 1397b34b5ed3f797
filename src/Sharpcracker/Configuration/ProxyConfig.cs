
namespace Sharpcracker.Configuration;

/// <summary>A whole twemproxy-format configuration: pools in file order.</summary>
internal sealed record ProxyConfig(string FilePath, IReadOnlyList<PoolConfig> Pools)
{
    /// <summary>The fork's <c>global:</c> section; null for twemproxy's flat layout.</summary>
    public GlobalConfig? Global { get; init; }
    /// <summary>Settings read but not applied (one line each), logged once at start and by -t.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>Pools without <c>listen</c>: they serve the listeners' routes only (docs/routes.md).</summary>
    public IReadOnlyList<PoolConfig> RoutePools { get; init; } = [];
}
